/**
 * Remote exceptions: how an endpoint's thrown error crosses the wire and is rebuilt.
 *
 * Wire form (oslo serialize_remote_exception, as a JSON string in the reply's failure slot):
 *   {"class": name, "module": origin, "message": text, "tb": [stack lines], "args": [...], "kwargs": {...}}
 * plus "js_class" when a JavaScript built-in is sent under a Python built-in's name (oslo
 * reads only the six keys above). The forms are chosen so that a Python peer (oslo's
 * deserialize_remote_exception) rebuilds what it can and shows the rest in full
 * (spec/codec.md, "Remote error format"):
 * - the driver's own errors -> oslo's class and module (core/oslo-exceptions.ts);
 * - JavaScript built-ins with a Python counterpart -> that Python built-in (TypeError ->
 *   TypeError, RangeError -> ValueError, ...), with js_class; the others (EvalError,
 *   URIError) -> module "javascript", which a Python peer shows as RemoteError;
 * - anything else -> module "app", its own fields in kwargs.
 *
 * Rebuilding on the caller (deserializeRemoteError):
 * - a JavaScript built-in (js_class, or a built-in name under "builtins"/"javascript") and
 *   the Python built-ins with a JavaScript counterpart -> that class, same message;
 * - oslo's exception family (module "oslo_messaging" or "oslo_messaging.*") -> the
 *   driver's classes with their fields parsed from oslo's messages;
 * - a class registered in DriverOptions.remoteErrors under its name -> re-created with the
 *   message, and the sender's own enumerable fields (kwargs) copied on;
 * - anything else, or a malformed failure -> RemoteError(excType, value, traceback).
 */
import { RemoteError } from "../errors.js";
import { osloWireForm, rebuildOslo } from "./oslo-exceptions.js";

export type RemoteErrorClass = new (message: string) => Error;

function table<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

const BUILTINS = table<RemoteErrorClass>({
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
});

/** JavaScript built-in -> the Python built-in a Python peer re-creates it as. */
const JS_TO_PYTHON = table<string>({
  Error: "Exception",
  TypeError: "TypeError",
  RangeError: "ValueError",
  SyntaxError: "SyntaxError",
  ReferenceError: "NameError",
});

/** Python built-in (module builtins, or exceptions in Python 2) -> the JavaScript class rebuilt for it. */
const PYTHON_TO_JS = table<RemoteErrorClass>({
  Exception: Error,
  TypeError,
  NameError: ReferenceError,
  SyntaxError,
});

const isPythonBuiltinModule = (m: string): boolean => m === "builtins" || m === "exceptions";
/** The module named for JavaScript built-ins that Python lacks. */
const JS_MODULE = "javascript";
/** oslo's suffix for re-raised remote exceptions (_REMOTE_POSTFIX), stripped as oslo does. */
const REMOTE_POSTFIX = "_Remote";

function own<T>(t: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(t, name) ? t[name] : undefined;
}

export interface SerializedFailure {
  class: string;
  module: string;
  message: string;
  tb: string[];
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** The JavaScript built-in sent under a Python built-in's name. */
  js_class?: string;
}

function plainFields(err: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k === "stack" || k === "message" || k === "cause" || k === "name") continue;
    try {
      JSON.stringify(v);
      out[k] = v;
    } catch {
      /* non-serialisable fields are left out */
    }
  }
  return out;
}

function traceback(e: Error): string[] {
  return (e.stack ?? "")
    .split("\n")
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
}

export function serializeRemoteError(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const tb = traceback(e);
  const oslo = osloWireForm(e);
  let failure: SerializedFailure;
  if (oslo) {
    failure = { class: oslo.class, module: oslo.module, message: e.message, tb, args: oslo.args, kwargs: {} };
  } else {
    const name = e.name || e.constructor.name;
    const builtin = own(BUILTINS, name) !== undefined && e.constructor === BUILTINS[name];
    const python = builtin ? own(JS_TO_PYTHON, name) : undefined;
    if (python !== undefined) {
      // Python's built-ins take no keyword arguments: kwargs must stay empty for it to rebuild.
      failure = { class: python, module: "builtins", message: e.message, tb, args: [e.message], kwargs: {} };
      failure.js_class = name;
    } else {
      failure = {
        class: name,
        module: builtin ? JS_MODULE : "app",
        message: e.message,
        tb,
        args: [e.message],
        kwargs: builtin ? {} : plainFields(e),
      };
    }
  }
  return JSON.stringify(failure);
}

function parseFailure(data: string): SerializedFailure | undefined {
  try {
    const f = JSON.parse(data) as Partial<SerializedFailure>;
    if (typeof f !== "object" || f === null || typeof f.class !== "string" || typeof f.message !== "string")
      return undefined;
    let cls = f.class;
    let module = typeof f.module === "string" ? f.module : "app";
    if (cls.endsWith(REMOTE_POSTFIX) && module.endsWith(REMOTE_POSTFIX)) {
      cls = cls.slice(0, -REMOTE_POSTFIX.length);
      module = module.slice(0, -REMOTE_POSTFIX.length);
    }
    return {
      class: cls,
      module,
      message: f.message,
      tb: Array.isArray(f.tb) ? f.tb.map(String) : [],
      args: Array.isArray(f.args) ? f.args : [],
      kwargs: typeof f.kwargs === "object" && f.kwargs !== null ? f.kwargs : {},
      ...(typeof f.js_class === "string" ? { js_class: f.js_class } : {}),
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
    if (!(err instanceof RemoteError))
      err.stack = `${err.name}: ${err.message}\n    (remote traceback)\n    ${f.tb.join("\n    ")}`;
    return err;
  } catch {
    return new RemoteError(f.class, f.message, tb);
  }
}

function builtinClass(f: SerializedFailure): RemoteErrorClass | undefined {
  const python = isPythonBuiltinModule(f.module);
  if (f.js_class !== undefined && (python || f.module === JS_MODULE)) {
    const js = own(BUILTINS, f.js_class);
    if (js) return js;
  }
  if (f.module === JS_MODULE) return own(BUILTINS, f.class);
  if (!python) return undefined;
  // A Python built-in with a JavaScript counterpart, or a JavaScript name an older peer sent.
  return own(PYTHON_TO_JS, f.class) ?? own(BUILTINS, f.class);
}

function rebuild(f: SerializedFailure, registered: Readonly<Record<string, RemoteErrorClass>>): Error {
  const builtin = builtinClass(f);
  if (builtin) return new builtin(f.message);
  const oslo = rebuildOslo(f.class, f.module, f.message, f.args);
  if (oslo) return oslo;
  const cls = own(registered, f.class);
  if (typeof cls !== "function") return new RemoteError(f.class, f.message, f.tb.join("\n"));
  const err = new cls(f.message);
  for (const [k, v] of Object.entries(f.kwargs)) {
    if (k !== "__proto__" && !(k in err))
      Object.defineProperty(err, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return err;
}
