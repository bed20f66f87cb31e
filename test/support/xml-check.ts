/**
 * A small XML parser for tests of generated documents (the load tool's SVG chart): it
 * checks well-formedness — one root element, balanced and properly nested tags, quoted
 * attributes without "<", no duplicate attribute, text and attribute values whose "&"
 * starts a known entity or a character reference — and returns the element tree. Enough
 * for documents we write ourselves; no DTDs, CDATA or namespaces processing.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, entities decoded. */
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const ENTITY = /^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;

function decode(s: string, where: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "<") throw new Error(`raw "<" in ${where}`);
    if (s[i] !== "&") {
      out += s[i];
      continue;
    }
    const m = ENTITY.exec(s.slice(i));
    if (!m) throw new Error(`bad "&" in ${where}: ${s.slice(i, i + 12)}`);
    const e = m[1]!;
    out +=
      e === "amp"
        ? "&"
        : e === "lt"
          ? "<"
          : e === "gt"
            ? ">"
            : e === "quot"
              ? '"'
              : e === "apos"
                ? "'"
                : String.fromCodePoint(e.startsWith("#x") ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    i += m[0].length - 1;
  }
  return out;
}

/** Parses `doc`; throws an Error saying what is wrong where. */
export function parseXml(doc: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipSpace = (): void => {
    while (i < doc.length && /\s/.test(doc[i]!)) i++;
  };
  while (i < doc.length) {
    if (doc.startsWith("<?", i)) {
      const end = doc.indexOf("?>", i);
      if (end < 0) throw new Error("unterminated <?");
      i = end + 2;
    } else if (doc.startsWith("<!--", i)) {
      const end = doc.indexOf("-->", i);
      if (end < 0) throw new Error("unterminated comment");
      i = end + 3;
    } else if (doc.startsWith("</", i)) {
      i += 2;
      const m = NAME.exec(doc.slice(i));
      if (!m) throw new Error(`bad closing tag at ${i}`);
      i += m[0].length;
      skipSpace();
      if (doc[i] !== ">") throw new Error(`bad closing tag </${m[0]} at ${i}`);
      i++;
      const open = stack.pop();
      if (open?.name !== m[0]) throw new Error(`</${m[0]}> closes <${open?.name ?? "nothing"}>`);
    } else if (doc[i] === "<") {
      i++;
      const m = NAME.exec(doc.slice(i));
      if (!m) throw new Error(`bad tag at ${i}`);
      i += m[0].length;
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: "" };
      for (;;) {
        const before = i;
        skipSpace();
        if (doc.startsWith("/>", i) || doc[i] === ">") break;
        if (i === before) throw new Error(`no space before an attribute of <${el.name}> at ${i}`);
        const a = NAME.exec(doc.slice(i));
        if (!a) throw new Error(`bad attribute in <${el.name}> at ${i}`);
        i += a[0].length;
        if (doc[i] !== "=" || (doc[i + 1] !== '"' && doc[i + 1] !== "'"))
          throw new Error(`attribute ${a[0]} of <${el.name}> is not name="value"`);
        const q = doc[i + 1]!;
        const end = doc.indexOf(q, i + 2);
        if (end < 0) throw new Error(`unterminated attribute ${a[0]}`);
        if (a[0] in el.attrs) throw new Error(`duplicate attribute ${a[0]} in <${el.name}>`);
        el.attrs[a[0]] = decode(doc.slice(i + 2, end), `attribute ${a[0]} of <${el.name}>`);
        i = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new Error(`a second root element <${el.name}>`);
      else root = el;
      if (doc.startsWith("/>", i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
    } else {
      const end = doc.indexOf("<", i);
      const text = doc.slice(i, end < 0 ? doc.length : end);
      const top = stack[stack.length - 1];
      if (!top && text.trim() !== "") throw new Error(`text outside the root: ${text.slice(0, 20)}`);
      if (top) top.text += decode(text, `text of <${top.name}>`);
      i = end < 0 ? doc.length : end;
    }
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1]!.name}> is not closed`);
  if (!root) throw new Error("no root element");
  return root;
}

/** Every element of the tree, depth first. */
export function elements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(elements)];
}
