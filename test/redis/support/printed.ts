/**
 * What an error prints, for tests that assert a secret is absent: the message, stack and
 * JSON of the error and of every cause, and util.inspect of the whole (hidden fields and
 * all depths included).
 */
import { inspect } from "node:util";

/** Every error on the cause chain, the error first. */
export function causeChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e !== undefined && !out.includes(e); e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

/** JSON.stringify, or why not (a TLS error's certificate is circular). */
function json(x: unknown): string {
  try {
    return JSON.stringify(x) ?? "";
  } catch (e) {
    return `(no JSON: ${(e as Error).message})`;
  }
}

export function everythingPrinted(err: unknown): string {
  const parts: string[] = [];
  for (const e of causeChain(err)) {
    const x = e as Error;
    parts.push(String(x.message), String(x.stack), json(x));
  }
  parts.push(inspect(err, { depth: Infinity, showHidden: true }));
  return parts.join("\n");
}
