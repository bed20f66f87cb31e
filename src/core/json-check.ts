/**
 * Why a value cannot travel as JSON, in the driver's words. JSON.stringify says "Converting
 * circular structure to JSON" or "Do not know how to serialize a BigInt" without saying
 * where; the codec calls `explainUnserializable` only after stringify failed (never on the
 * hot path) to name the first offending path, e.g. `args.user.self`.
 */

const MAX_DEPTH = 2000;

/** The first path under `root` (named `name`) that JSON cannot carry, and why; undefined if none is found. */
export function explainUnserializable(name: string, root: unknown): string | undefined {
  const onPath = new Set<object>();
  const visit = (v: unknown, path: string, depth: number): string | undefined => {
    if (typeof v === "bigint") return `${path} is a BigInt, which JSON cannot carry (convert it to a string or number)`;
    if (typeof v !== "object" || v === null) return undefined;
    if (depth > MAX_DEPTH) return `${path} is nested more than ${MAX_DEPTH} levels deep`;
    if (onPath.has(v)) return `${path} refers back to an object that contains it (a circular reference)`;
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      let replaced: unknown;
      try {
        replaced = toJSON.call(v, "");
      } catch (err) {
        return `${path}.toJSON() threw: ${err instanceof Error ? err.message : String(err)}`;
      }
      if (replaced !== v) return visit(replaced, path, depth + 1);
    }
    onPath.add(v);
    try {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const bad = visit(v[i], `${path}[${i}]`, depth + 1);
          if (bad) return bad;
        }
      } else {
        for (const k of Object.keys(v)) {
          let child: unknown;
          try {
            child = (v as Record<string, unknown>)[k];
          } catch (err) {
            return `${path}.${k} could not be read: ${err instanceof Error ? err.message : String(err)}`;
          }
          const bad = visit(child, `${path}.${k}`, depth + 1);
          if (bad) return bad;
        }
      }
    } finally {
      onPath.delete(v);
    }
    return undefined;
  };
  try {
    return visit(root, name, 0);
  } catch {
    return undefined;
  }
}

/**
 * The error to throw after JSON.stringify failed on `what`: a TypeError naming what cannot
 * be serialized and why (`detail`, from explainUnserializable), or a RangeError when the
 * text would be longer than a JavaScript string can be.
 */
export function unserializableError(err: unknown, what: string, detail: string | undefined): Error {
  const reason = err instanceof Error ? err.message : String(err);
  if (err instanceof RangeError && detail === undefined)
    return new RangeError(`${what} is too large to serialize as JSON (${reason})`);
  return new TypeError(`${what} cannot be serialized as JSON: ${detail ?? reason}`);
}
