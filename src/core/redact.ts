/**
 * The one redaction mechanism of the driver (spec/security.md, "Secret redaction").
 * Passwords and secret keys must never reach an error message, a log line, `toString`,
 * `JSON.stringify` or `util.inspect` output:
 *
 * - `Secret` holds a string (a Redis password) that shows as `***` everywhere; the code
 *   that needs it calls `reveal()`.
 * - `redactUrl` masks the password in a URL (`zmq+redis://user:***@host`) and the values
 *   of secret query parameters.
 * - `redactOptions` copies an options object with every secret field (by name:
 *   `SECRET_OPTION_NAMES`, e.g. `password`, `secretKey`, `tls.key`) replaced by `***`;
 *   `hideSecrets` makes an object print and serialise that way.
 * - `redactText` / `scrubError` remove known secret strings from text and from errors
 *   (message, stack, an ioredis error's command arguments, the cause chain) in place.
 *
 * Pure: no I/O, no Node module (the inspect hook is the registered symbol).
 */

export const REDACTED = "***";

/** util.inspect's hook, by its registered name (no node:util import in the core). */
export const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * Field names whose values are secrets, wherever they sit in an options object: Redis
 * passwords, the CURVE secret key, a TLS private key, its passphrase and a PKCS#12 bundle.
 */
export const SECRET_OPTION_NAMES: ReadonlySet<string> = new Set([
  "password",
  "sentinelPassword",
  "secretKey",
  "privateKey",
  "key",
  "passphrase",
  "pfx",
]);

/** Query parameters of a transport URL whose values are secrets (matched case-insensitively). */
const SECRET_QUERY = /pass|secret|token|key/i;

/** A secret string that shows as `***` in messages, JSON, `toString` and `util.inspect`. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The secret itself, for the one place that must send it (the Redis client options). */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [INSPECT](): string {
    return `Secret(${REDACTED})`;
  }
}

/**
 * `url` with its password masked. Everything between `://` and the last `@` is the user
 * information (the transport URL parser splits it the same way, so a raw `@` or `/` in a
 * password is masked too): the user name before the first `:` stays, the rest becomes
 * `***`; a user information without `:` (a bare password) becomes `***`. Values of query
 * parameters named like a secret (`password`, `sentinelPassword`, …) and query pieces
 * without `=` become `***`.
 * Anything that is not `<scheme>://…` is returned with only the query rule applied.
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([\s\S]*)$/i.exec(url);
  if (!m) return redactQuery(url);
  const rest = m[2]!;
  const at = rest.lastIndexOf("@");
  if (at < 0) return m[1]! + redactQuery(rest);
  const info = rest.slice(0, at);
  const colon = info.indexOf(":");
  const user = colon < 0 || /[/?#]/.test(info.slice(0, colon)) ? "" : `${info.slice(0, colon)}:`;
  return `${m[1]}${user}${REDACTED}@${redactQuery(rest.slice(at + 1))}`;
}

function redactQuery(s: string): string {
  const q = s.indexOf("?");
  if (q < 0) return s;
  const params = s
    .slice(q + 1)
    .split("&")
    .map((p) => {
      const eq = p.indexOf("=");
      // A piece without "=" may be the tail of a value with a raw "&": masked too.
      if (eq < 0) return p === "" ? p : REDACTED;
      return SECRET_QUERY.test(p.slice(0, eq)) ? `${p.slice(0, eq + 1)}${REDACTED}` : p;
    });
  return `${s.slice(0, q + 1)}${params.join("&")}`;
}

/** `text` with every occurrence of each non-empty secret (and its percent-encoded form) replaced by `***`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const s of [...secrets].filter((x) => x !== "").sort((a, b) => b.length - a.length)) {
    out = out.split(s).join(REDACTED);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join(REDACTED);
  }
  return out;
}

const URL_WITH_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^\s]*@/i;

/**
 * A copy of `value` for display: fields named in `names` become `***` at any depth, strings
 * that are URLs with user information are passed through `redactUrl`, and `Secret`s stay
 * masked. Plain objects and arrays are copied; instances of other classes (sockets,
 * clients, buffers) are shown as `[ClassName]` without their contents, functions as
 * `[Function name]`. Cycles become `[Circular]`.
 */
export function redactOptions(value: unknown, names: ReadonlySet<string> = SECRET_OPTION_NAMES): unknown {
  const seen = new Set<object>();
  const copy = (v: unknown): unknown => {
    if (typeof v === "string") return URL_WITH_USERINFO.test(v) ? redactUrl(v) : v;
    if (typeof v === "function") return `[Function ${v.name || "anonymous"}]`;
    if (typeof v !== "object" || v === null) return v;
    if (v instanceof Secret) return REDACTED;
    if (seen.has(v)) return "[Circular]";
    const proto: unknown = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      const name = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name;
      return `[${typeof name === "string" && name !== "" ? name : "object"}]`;
    }
    seen.add(v);
    const out: unknown = Array.isArray(v)
      ? v.map(copy)
      : Object.fromEntries(
          Object.entries(v).map(([k, x]) => [k, names.has(k) && x !== undefined ? REDACTED : copy(x)]),
        );
    seen.delete(v);
    return out;
  };
  return copy(value);
}

/**
 * Makes `obj` print redacted: adds non-enumerable `toJSON` and `util.inspect` hooks that
 * show `redactOptions(obj)`. The object's fields stay as they are (the code reads them);
 * returns `obj`.
 */
export function hideSecrets<T extends object>(obj: T, names: ReadonlySet<string> = SECRET_OPTION_NAMES): T {
  const show = (): unknown => redactOptions({ ...obj }, names);
  Object.defineProperty(obj, "toJSON", { value: show, enumerable: false, configurable: true });
  Object.defineProperty(obj, INSPECT, { value: show, enumerable: false, configurable: true });
  return obj;
}

/**
 * Removes `secrets` from `err` in place: its message and stack, the arguments of the
 * command an ioredis error carries (`err.command.args`: the HELLO … AUTH user password of a
 * failed handshake), and the same for every error on its cause chain (and in an
 * AggregateError). Returns `err`. Errors that cannot be written are left alone.
 */
export function scrubError<E>(err: E, secrets: readonly string[]): E {
  const live = secrets.filter((s) => s !== "");
  if (live.length === 0) return err;
  const seen = new Set<object>();
  const scrub = (e: unknown): void => {
    if (typeof e !== "object" || e === null || seen.has(e)) return;
    seen.add(e);
    const rec = e as Record<string, unknown>;
    try {
      if (typeof rec.message === "string") rec.message = redactText(rec.message, live);
      if (typeof rec.stack === "string") rec.stack = redactText(rec.stack, live);
      const command = rec.command as { args?: unknown } | undefined;
      if (command && Array.isArray(command.args))
        command.args = command.args.map((a) => (typeof a === "string" ? redactText(a, live) : a));
    } catch {
      // a frozen or exotic error: nothing more can be done here
    }
    scrub(rec.cause);
    if (Array.isArray(rec.errors)) for (const x of rec.errors) scrub(x);
  };
  scrub(err);
  return err;
}
