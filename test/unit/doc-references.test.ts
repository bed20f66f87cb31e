/**
 * Goal: every repository path the documentation names exists, so a reader who follows a
 * spec, a diagram, a decision record or a code comment to a file finds it.
 *
 * Where: Markdown (README.md, CONTRIBUTING.md, CHANGELOG.md and everything under spec/ and
 * docs/), the diagrams under uml/, and the comments (only the comments) of the TypeScript and
 * .mjs files under src/, sim/, test/, scripts/ and bench/.
 *
 * What counts as a path, precisely:
 * - a token that starts with one of this repository's top-level directories (ROOTS, kept
 *   equal to the directories on disk by a test below) right after a character that cannot
 *   be part of a path, so `oslo_messaging/tests/...`, `zeromq.js:src/index.ts` and URLs
 *   are never read as ours;
 * - a token with an extension among CHECKED_EXTENSIONS must be an existing file, one
 *   without an extension an existing file or directory; a token with any other extension
 *   (libzmq's `src/lb.cpp`) names another project's file and is skipped;
 * - `*`, `**`, `{a,b}` and `<placeholder>` make a pattern, which must match at least one
 *   file or directory (`spec/<component>.md`);
 * - paths under a directory the repository ignores (.gitignore: build output, rendered
 *   diagrams, reports) are produced by commands, never committed, and are skipped;
 * - Markdown links: a relative target must exist, and a `#anchor` into a Markdown file must
 *   name one of its headings (GitHub's heading slugs).
 * A failure lists `file:line` and the missing path for every reference that does not resolve.
 * A second check keeps absolute paths of one machine (home and scratch directories, the
 * directory a checkout happens to sit in) out of every file: the repository stands alone.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Top-level directories whose paths the documentation names. */
const ROOTS = ["src", "test", "sim", "spec", "uml", "scripts", "bench", "docs", ".ci"] as const;
/** File kinds of this repository; a rooted path with another extension belongs to another project. */
const CHECKED_EXTENSIONS = new Set(["ts", "mjs", "js", "json", "md", "mmd", "yml", "yaml", "sh"]);

// ---------------------------------------------------------------------------------------
// Comments of a source file
// ---------------------------------------------------------------------------------------

const REGEX_AFTER = new Set(["", "(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "+", "-", "*", "%"]);
const REGEX_AFTER_WORD = /\b(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

/**
 * The text of every comment of a TypeScript or JavaScript source, in place: the result has
 * the length and the line breaks of `src`, with everything that is not comment text
 * blanked. Strings, template literals (with `${}`) and regex literals are skipped, so
 * `"tcp://host"` or `/a\/b/` never open a comment.
 */
function commentText(src: string): string {
  const out: string[] = src.split("").map((c) => (c === "\n" ? "\n" : " "));
  const keep = (from: number, to: number): void => {
    for (let k = from; k < to; k++) out[k] = src[k]!;
  };
  const templates: number[] = []; // brace depth inside each open `${`
  let last = ""; // last significant code character ("w" for a word character)
  let word = ""; // the word before it, for `return /re/`
  let i = 0;
  const skipQuoted = (quote: string): void => {
    i++;
    while (i < src.length && src[i] !== quote && src[i] !== "\n") i += src[i] === "\\" ? 2 : 1;
    i++;
  };
  const skipTemplateChunk = (): void => {
    // From inside a template literal to its closing backtick or the next `${`.
    while (i < src.length) {
      if (src[i] === "\\") i += 2;
      else if (src[i] === "`") {
        i++;
        return;
      } else if (src[i] === "$" && src[i + 1] === "{") {
        i += 2;
        templates.push(0);
        return;
      } else i++;
    }
  };
  while (i < src.length) {
    const ch = src[i]!;
    const next = src[i + 1];
    if (ch === "/" && next === "/") {
      const end = src.indexOf("\n", i);
      const stop = end < 0 ? src.length : end;
      keep(i, stop);
      i = stop;
    } else if (ch === "/" && next === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      keep(i, stop);
      i = stop;
    } else if (ch === '"' || ch === "'") {
      skipQuoted(ch);
      last = ch;
    } else if (ch === "`") {
      i++;
      skipTemplateChunk();
      last = "`";
    } else if (ch === "}" && templates.length > 0 && templates[templates.length - 1] === 0) {
      templates.pop();
      i++;
      skipTemplateChunk();
      last = "`";
    } else if (ch === "/" && (REGEX_AFTER.has(last) || (last === "w" && REGEX_AFTER_WORD.test(word)))) {
      i++;
      let inClass = false;
      while (i < src.length && src[i] !== "\n" && (src[i] !== "/" || inClass)) {
        if (src[i] === "\\") i++;
        else if (src[i] === "[") inClass = true;
        else if (src[i] === "]") inClass = false;
        i++;
      }
      i++;
      last = "/re";
    } else {
      if (templates.length > 0 && ch === "{") templates[templates.length - 1]!++;
      if (templates.length > 0 && ch === "}") templates[templates.length - 1]!--;
      if (/[\w$]/.test(ch)) {
        word = last === "w" ? word + ch : ch;
        last = "w";
      } else if (!/\s/.test(ch)) last = ch;
      i++;
    }
  }
  return out.join("");
}

// ---------------------------------------------------------------------------------------
// Path tokens and how they resolve
// ---------------------------------------------------------------------------------------

interface PathRef {
  path: string;
  line: number;
}

const ROOT_ALTERNATIVES = ROOTS.map((r) => r.replace(".", "\\.")).join("|");
/** A character before which a path cannot start (it would be the middle of another path, a URL, a `repo:path`). */
const NOT_AFTER = "A-Za-z0-9_.\\/@:~$-";
const PATH_TOKEN = new RegExp(
  `(?<![${NOT_AFTER}])(?:${ROOT_ALTERNATIVES})/(?:\\{[^{}\\s]*\\}|<[A-Za-z][\\w-]*>|[A-Za-z0-9_.*/-])*`,
  "g",
);

/** Rooted repository paths named in `text`, with their 1-based lines. */
function pathsIn(text: string): PathRef[] {
  const out: PathRef[] = [];
  text.split("\n").forEach((raw, index) => {
    // Mermaid labels break lines with <br/>; a URL's path is someone else's.
    const line = raw.replace(/<br\s*\/?>/g, " ").replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, " ");
    for (const m of line.matchAll(PATH_TOKEN)) {
      const path = m[0].replace(/\.+$/, "");
      if (path.length > 0) out.push({ path, line: index + 1 });
    }
  });
  return out;
}

/** `{a,b}` alternatives expanded (nested braces are not used in this repository). */
function expandBraces(p: string): string[] {
  const m = /\{([^{}]*)\}/.exec(p);
  if (!m) return [p];
  return m[1]!.split(",").flatMap((alt) => expandBraces(p.slice(0, m.index) + alt + p.slice(m.index + m[0].length)));
}

function patternRegex(p: string): RegExp {
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (p.startsWith("**/", i)) {
      re += "(?:.*/)?";
      i += 2;
    } else if (p.startsWith("**", i)) {
      re += ".*";
      i += 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "<") {
      const end = p.indexOf(">", i);
      re += "[^/]+";
      i = end;
    } else re += c.replace(/[.+?^$()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}/?$`);
}

interface Tree {
  files: Set<string>;
  dirs: Set<string>;
  ignored: string[];
}

/** Directory entries of .gitignore (`dir/`), relative to the root. */
function ignoredDirs(root: string): string[] {
  const file = join(root, ".gitignore");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.endsWith("/") && !l.startsWith("#") && !l.startsWith("!") && !l.includes("*"))
    .map((l) => l.replace(/^\//, ""));
}

function readTree(root: string): Tree {
  const ignored = ignoredDirs(root);
  const files = new Set<string>();
  const dirs = new Set<string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel))) {
      const p = rel === "" ? name : `${rel}/${name}`;
      if (name === ".git" || ignored.some((d) => `${p}/`.startsWith(d) || `${name}/` === d)) continue;
      if (statSync(join(root, p)).isDirectory()) {
        dirs.add(p);
        walk(p);
      } else files.add(p);
    }
  };
  walk("");
  return { files, dirs, ignored };
}

/** Why `path` does not resolve in `tree`, or undefined when it does (or is not ours to check). */
function unresolved(path: string, tree: Tree): string | undefined {
  if (tree.ignored.some((d) => `${path}/`.startsWith(d))) return undefined; // produced by a command
  const base = path.replace(/\/+$/, "").split("/").pop()!;
  const ext = /\.([A-Za-z0-9]+)$/.exec(base)?.[1];
  const isPattern = /[*{<]/.test(path);
  if (ext !== undefined && !CHECKED_EXTENSIONS.has(ext) && !isPattern) return undefined; // another project's file
  if (isPattern) {
    const res = expandBraces(path).map(patternRegex);
    const all = [...tree.files, ...tree.dirs];
    const missing = res.filter((re) => !all.some((f) => re.test(f)));
    return missing.length === 0 ? undefined : "matches no file";
  }
  const p = path.replace(/\/+$/, "");
  if (path.endsWith("/")) return tree.dirs.has(p) ? undefined : "no such directory";
  if (ext !== undefined) return tree.files.has(p) ? undefined : "no such file";
  return tree.files.has(p) || tree.dirs.has(p) ? undefined : "no such file or directory";
}

// ---------------------------------------------------------------------------------------
// Markdown links and anchors
// ---------------------------------------------------------------------------------------

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative Markdown link targets in `markdown` (URLs and mail links left out). */
function linksIn(markdown: string): PathRef[] {
  const out: PathRef[] = [];
  markdown.split("\n").forEach((line, index) => {
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) out.push({ path: target, line: index + 1 });
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------
// The repository
// ---------------------------------------------------------------------------------------

interface Problem {
  where: string;
  path: string;
  why: string;
}

function sources(tree: Tree): { docs: string[]; code: string[] } {
  const all = [...tree.files].sort();
  const docs = all.filter(
    (f) =>
      ["README.md", "CONTRIBUTING.md", "CHANGELOG.md"].includes(f) ||
      ((f.startsWith("spec/") || f.startsWith("docs/")) && f.endsWith(".md")) ||
      (f.startsWith("uml/") && f.endsWith(".mmd")),
  );
  const code = all.filter(
    (f) => /^(src|sim|test|scripts|bench)\//.test(f) && (f.endsWith(".ts") || f.endsWith(".mjs")),
  );
  return { docs, code };
}

function checkRepository(): { problems: Problem[]; checked: number; files: number } {
  const tree = readTree(ROOT);
  const { docs, code } = sources(tree);
  const problems: Problem[] = [];
  let checked = 0;
  const checkPaths = (file: string, text: string): void => {
    for (const ref of pathsIn(text)) {
      checked++;
      const why = unresolved(ref.path, tree);
      if (why) problems.push({ where: `${file}:${ref.line}`, path: ref.path, why });
    }
  };
  for (const file of docs) {
    const text = readFileSync(join(ROOT, file), "utf8");
    checkPaths(file, text);
    if (!file.endsWith(".md")) continue;
    for (const link of linksIn(text)) {
      checked++;
      const [target = "", anchor] = link.path.split("#");
      const resolved = target === "" ? file : posix.normalize(posix.join(posix.dirname(file), target));
      const where = `${file}:${link.line}`;
      if (resolved.startsWith("../") || !(tree.files.has(resolved) || tree.dirs.has(resolved.replace(/\/$/, "")))) {
        problems.push({ where, path: link.path, why: "link target does not exist" });
      } else if (anchor && resolved.endsWith(".md")) {
        if (!anchorsOf(readFileSync(join(ROOT, resolved), "utf8")).has(anchor))
          problems.push({ where, path: link.path, why: `no heading of ${resolved} has the anchor #${anchor}` });
      }
    }
  }
  for (const file of code) checkPaths(file, commentText(readFileSync(join(ROOT, file), "utf8")));
  return { problems, checked, files: docs.length + code.length };
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

test("doc-references - every path named in specs, diagrams, docs, READMEs and code comments exists", () => {
  const { problems, checked, files } = checkRepository();
  assert.ok(
    files > 100 && checked > 500,
    `scanned ${files} files and ${checked} references: too few, is the scan broken?`,
  );
  const report = problems.map((p) => `  ${p.where}: ${p.path} (${p.why})`).join("\n");
  assert.equal(problems.length, 0, `${problems.length} reference(s) name nothing in the repository:\n${report}`);
});

/** Directories that exist on one machine only (home, scratch, a checkout's parent); written without slashes here. */
const MACHINE_DIRS = ["home", "root", "Users", "work", "tmp", "mnt"];
const MACHINE_PATH = new RegExp(`(?<![\\w.~-])/(?:${MACHINE_DIRS.join("|")})/`);

test("doc-references - no file of the repository names an absolute path of one machine", () => {
  const tree = readTree(ROOT);
  const found: string[] = [];
  for (const file of [...tree.files].sort()) {
    const buf = readFileSync(join(ROOT, file));
    if (buf.includes(0)) continue; // binary
    buf
      .toString("utf8")
      .split("\n")
      .forEach((line, i) => {
        const m = MACHINE_PATH.exec(line.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, " "));
        if (m) found.push(`  ${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
  }
  assert.equal(
    found.length,
    0,
    `cite files relative to the repository or public sources instead:\n${found.join("\n")}`,
  );
});

test("doc-references - ROOTS are exactly the repository's top-level directories", () => {
  const tree = readTree(ROOT);
  const top = [...tree.dirs].filter((d) => !d.includes("/")).sort();
  assert.deepEqual(top, [...ROOTS].sort());
});

test("doc-references - comment text keeps comments and drops strings, templates and regex literals", () => {
  const src = [
    'const url = "tcp://src/none.ts"; // see src/a.ts',
    `const t = \`spec/\${x}/none.md\`; /* uml/b.mmd`,
    "   still uml/c.mmd */ const re = /src\\/none\\.ts/;",
    "return /\\/\\/ src\\/none.ts/.test(s) ? 1 : 2; // test/d.test.ts",
  ].join("\n");
  const comments = commentText(src);
  assert.equal(comments.length, src.length);
  assert.deepEqual(pathsIn(comments), [
    { path: "src/a.ts", line: 1 },
    { path: "uml/b.mmd", line: 2 },
    { path: "uml/c.mmd", line: 3 },
    { path: "test/d.test.ts", line: 4 },
  ]);
});

test("doc-references - paths are read only where ours start; URLs, other repositories and <br/> are not ours", () => {
  const text = [
    "see `src/core/codec.ts`, spec/sim.md. and test/{a,b}.test.ts",
    "https://github.com/x/src/y.ts oslo_messaging/tests/functional/zmq/test_startup.py zeromq.js:src/index.ts",
    'participant["src/pool<br/>SocketPool"] ../uml/x.mmd spec/<component>.md',
  ].join("\n");
  assert.deepEqual(
    pathsIn(text).map((r) => `${r.line}:${r.path}`),
    ["1:src/core/codec.ts", "1:spec/sim.md", "1:test/{a,b}.test.ts", "3:src/pool", "3:spec/<component>.md"],
  );
});

test("doc-references - a missing file, directory or pattern is reported; patterns, ignored output and other projects' files are not", () => {
  const tree: Tree = {
    files: new Set(["src/core/codec.ts", "test/unit/a.test.ts", "test/unit/b.test.ts", "spec/sim.md"]),
    dirs: new Set(["src", "src/core", "test", "test/unit", "spec"]),
    ignored: ["uml/out/"],
  };
  assert.equal(unresolved("src/core/codec.ts", tree), undefined);
  assert.equal(unresolved("src/core/", tree), undefined);
  assert.equal(unresolved("src/core", tree), undefined);
  assert.equal(unresolved("test/unit/{a,b}.test.ts", tree), undefined);
  assert.equal(unresolved("test/**/*.test.ts", tree), undefined);
  assert.equal(unresolved("spec/<component>.md", tree), undefined);
  assert.equal(unresolved("uml/out/components.svg", tree), undefined);
  assert.equal(unresolved("src/lb.cpp", tree), undefined);
  assert.equal(unresolved("src/core/work-gate.ts", tree), "no such file");
  assert.equal(unresolved("src/driver/", tree), "no such directory");
  assert.equal(unresolved("src/driver", tree), "no such file or directory");
  assert.equal(unresolved("test/unit/{a,c}.test.ts", tree), "matches no file");
});

test("doc-references - Markdown links and GitHub heading anchors", () => {
  assert.deepEqual(linksIn("[a](client.md#open-questions) [b](https://x.org/a.md) [c](../uml/x.mmd)"), [
    { path: "client.md#open-questions", line: 1 },
    { path: "../uml/x.mmd", line: 1 },
  ]);
  assert.equal(slug("Concurrency (`WorkGate`)"), "concurrency-workgate");
  assert.equal(slug("zeromq.js adapter (`ZmqSocketFactory`)"), "zeromqjs-adapter-zmqsocketfactory");
  assert.deepEqual([...anchorsOf("# A\n```\n# not a heading\n```\n## A\n")], ["a", "a-1"]);
});
