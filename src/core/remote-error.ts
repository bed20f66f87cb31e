/**
 * Remote exceptions: how an endpoint's thrown error crosses the wire and is rebuilt.
 *
 * Wire form (oslo serialize_remote_exception, as a JSON string in the reply's failure slot):
 *   {"class": name, "module": origin, "message": text, "tb": [stack lines], "args": [...], "kwargs": {...}}
 * origin is "builtins" for JavaScript's built-in error classes, "oslo_messaging" for the
 * driver's own dispatcher errors, and "app" for anything else.
 *
 * Rebuilding on the caller (deserializeRemoteError):
 * - a built-in class (Error, TypeError, RangeError, ...) -> same class, same message;
 * - NoSuchMethod / UnsupportedVersion -> the driver's classes with their fields;
 * - a class registered in DriverOptions.remoteErrors under its name -> re-created with the
 *   message, and the sender's own enumerable fields (kwargs) copied on;
 * - anything else, or a malformed failure -> RemoteError(excType, value, traceback).
 */
import { NoSuchMethod, RemoteError, UnsupportedVersion } from "../errors.js";

export type RemoteErrorClass = new (message: string) => Error;

const BUILTINS: Readonly<Record<string, RemoteErrorClass>> = Object.assign(
  Object.create(null) as Record<string, RemoteErrorClass>,
  {
    Error,
    TypeError,
    RangeError,
    SyntaxError,
    ReferenceError,
    EvalError,
    URIError,
  },
);

function own<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "";
}

export interface SerializedFailure {
  class: string;
  module: string;
  message: string;
  tb: string[];
  args: unknown[];
  kwargs: Record<string, unknown>;
}

function plainFields(err: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k === "stack" || k === "message" || k === "cause") continue;
    try {
      JSON.stringify(v);
      out[k] = v;
    } catch {
      /* non-serialisable fields are left out */
    }
  }
  return out;
}

export function serializeRemoteError(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const name =
    e instanceof NoSuchMethod
      ? "NoSuchMethod"
      : e instanceof UnsupportedVersion
        ? "UnsupportedVersion"
        : e.name || e.constructor.name;
  const isBuiltin = own(BUILTINS, name) !== undefined && e.constructor === BUILTINS[name];
  const module =
    e instanceof NoSuchMethod || e instanceof UnsupportedVersion ? "oslo_messaging" : isBuiltin ? "builtins" : "app";
  const kwargs = plainFields(e);
  delete kwargs.name;
  const failure: SerializedFailure = {
    class: name,
    module,
    message: e.message,
    tb: (e.stack ?? "")
      .split("\n")
      .slice(1)
      .map((l) => l.trim())
      .filter(Boolean),
    args:
      e instanceof NoSuchMethod ? [e.method] : e instanceof UnsupportedVersion ? [e.version, e.method] : [e.message],
    kwargs,
  };
  return JSON.stringify(failure);
}

function parseFailure(data: string): SerializedFailure | undefined {
  try {
    const f = JSON.parse(data) as Partial<SerializedFailure>;
    if (typeof f !== "object" || f === null || typeof f.class !== "string" || typeof f.message !== "string")
      return undefined;
    return {
      class: f.class,
      module: typeof f.module === "string" ? f.module : "app",
      message: f.message,
      tb: Array.isArray(f.tb) ? f.tb.map(String) : [],
      args: Array.isArray(f.args) ? f.args : [],
      kwargs: typeof f.kwargs === "object" && f.kwargs !== null ? f.kwargs : {},
    };
  } catch {
    return undefined;
  }
}

/**
 * Rebuilds the error a peer reported. Never throws: this runs on peer input inside the
 * client's receive loop, so any failure to rebuild falls back to RemoteError.
 */
export function deserializeRemoteError(
  data: string,
  registered: Readonly<Record<string, RemoteErrorClass>> = {},
): Error {
  const f = parseFailure(data);
  if (!f) return new RemoteError("UnknownError", "unparseable failure from peer", data);
  const tb = f.tb.join("\n");
  try {
    const err = rebuild(f, registered);
    if (!(err instanceof Error)) return new RemoteError(f.class, f.message, tb);
    err.stack = `${err.name}: ${err.message}\n    (remote traceback)\n    ${f.tb.join("\n    ")}`;
    return err;
  } catch {
    return new RemoteError(f.class, f.message, tb);
  }
}

function rebuild(f: SerializedFailure, registered: Readonly<Record<string, RemoteErrorClass>>): Error {
  const builtin = f.module === "builtins" ? own(BUILTINS, f.class) : undefined;
  if (builtin) return new builtin(f.message);
  if (f.module === "oslo_messaging" && f.class === "NoSuchMethod") return new NoSuchMethod(str(f.args[0]));
  if (f.module === "oslo_messaging" && f.class === "UnsupportedVersion") {
    return new UnsupportedVersion(
      str(f.args[0]),
      f.args[1] === undefined || f.args[1] === null ? undefined : str(f.args[1]),
    );
  }
  const cls = own(registered, f.class);
  if (typeof cls !== "function") return new RemoteError(f.class, f.message, f.tb.join("\n"));
  const err = new cls(f.message);
  for (const [k, v] of Object.entries(f.kwargs)) {
    if (k !== "__proto__" && !(k in err))
      Object.defineProperty(err, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return err;
}
