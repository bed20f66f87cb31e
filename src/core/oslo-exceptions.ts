/**
 * oslo.messaging's exception family on the wire: which Python class and module each of the
 * driver's errors is sent as, and how a failure naming one of oslo's classes is rebuilt
 * into the driver's classes (spec/codec.md, "Remote error format"). Pure: tables and
 * string parsing only.
 *
 * oslo's serialize_remote_exception (oslo_messaging/_drivers/common.py, tag rocky-eol)
 * sends `args` = the exception's args, which for every class below is `(message,)`
 * (their constructors format the message and pass it up), and `kwargs` = {} (none of them
 * has a `kwargs` attribute). So the fields are parsed back from the message, whose formats
 * are those of oslo_messaging/{exceptions,server,transport}.py, rpc/client.py and
 * rpc/dispatcher.py.
 */
import {
  InvalidTarget,
  InvalidTransportURL,
  MatchmakerUnavailable,
  MessageDeliveryFailure,
  MessagingError,
  MessagingTimeout,
  NoSuchMethod,
  RemoteError,
  RPCVersionCapError,
  UnsupportedVersion,
} from "../errors.js";

/** Python module of each oslo class this driver knows (the module oslo's failure names). */
export const OSLO_MODULES: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, {
    MessagingException: "oslo_messaging.exceptions",
    MessagingTimeout: "oslo_messaging.exceptions",
    MessageDeliveryFailure: "oslo_messaging.exceptions",
    InvalidTarget: "oslo_messaging.exceptions",
    RemoteError: "oslo_messaging.rpc.client",
    RPCVersionCapError: "oslo_messaging.rpc.client",
    ClientSendError: "oslo_messaging.rpc.client",
    RPCDispatcherError: "oslo_messaging.rpc.dispatcher",
    NoSuchMethod: "oslo_messaging.rpc.dispatcher",
    UnsupportedVersion: "oslo_messaging.rpc.dispatcher",
    ExpectedException: "oslo_messaging.rpc.dispatcher",
    MessagingServerError: "oslo_messaging.server",
    ExecutorLoadFailure: "oslo_messaging.server",
    ServerListenError: "oslo_messaging.server",
    TaskTimeout: "oslo_messaging.server",
    InvalidTransportURL: "oslo_messaging.transport",
    DriverLoadFailure: "oslo_messaging.transport",
    MatchmakerUnavailable: "oslo_messaging._drivers.zmq_driver.matchmaker.zmq_matchmaker_base",
  }),
);

/** How one of the driver's errors is sent: oslo's class and module, and the args oslo's constructor takes. */
export interface OsloWireForm {
  class: string;
  module: string;
  args: unknown[];
}

/**
 * The oslo form of the driver's own errors (undefined for anything else). `args` are what
 * the Python constructor accepts, so a Python peer that allows the module re-creates the
 * class; where oslo itself sends `(message,)` (NoSuchMethod, UnsupportedVersion) we send
 * the same, so the failure is the one a Python server would have sent.
 */
export function osloWireForm(err: Error): OsloWireForm | undefined {
  if (!(err instanceof MessagingError)) return undefined;
  const as = (cls: string, args: unknown[] = [err.message]): OsloWireForm => ({
    class: cls,
    module: OSLO_MODULES[cls] as string,
    args,
  });
  if (err instanceof RemoteError) return as("RemoteError", [err.excType, err.value, err.traceback]);
  if (err instanceof RPCVersionCapError) return as("RPCVersionCapError", [err.version, err.versionCap]);
  switch (err.code) {
    case "NoSuchMethod":
    case "UnsupportedVersion":
    case "MessagingTimeout":
    case "MessageDeliveryFailure":
    case "InvalidTarget":
    case "InvalidTransportURL":
    case "MatchmakerUnavailable":
      return as(err.code);
    case "MessagingError":
      return as("MessagingException");
    default:
      // TransportClosed, PayloadTooLarge: no oslo class; sent under their own names.
      return undefined;
  }
}

const NO_SUCH_METHOD = /^Endpoint does not support RPC method ([\s\S]*)$/;
const UNSUPPORTED_VERSION = /^Endpoint does not support RPC version ([\s\S]*?)(?:\. Attempted method: ([\s\S]*))?$/;
const VERSION_CAP = /^Requested message version, ([\s\S]*?) is incompatible\.\s+It[\s\S]*version cap ([\s\S]*)\.$/;
const REMOTE_ERROR = /^Remote error: (\S*) ([^\n]*)\n([\s\S]*)\.$/;

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Sets the rebuilt error's message to exactly the remote one (constructors format their own). */
function withMessage<E extends Error>(err: E, message: string): E {
  err.message = message;
  return err;
}

/**
 * Rebuilds a failure that names one of oslo's classes in an `oslo_messaging` module into
 * the driver's class, or undefined when the class is not one of oslo's. Never throws on
 * any message text: a field that cannot be parsed is taken from `args`, else left empty.
 */
export function rebuildOslo(cls: string, module: string, message: string, args: unknown[]): Error | undefined {
  if (module !== "oslo_messaging" && !module.startsWith("oslo_messaging.")) return undefined;
  if (OSLO_MODULES[cls] === undefined) return undefined;
  switch (cls) {
    case "NoSuchMethod": {
      const m = NO_SUCH_METHOD.exec(message);
      return new NoSuchMethod(m ? (m[1] as string) : (str(args[0]) ?? ""));
    }
    case "UnsupportedVersion": {
      const m = UNSUPPORTED_VERSION.exec(message);
      if (m) return new UnsupportedVersion(m[1] as string, m[2]);
      const method = str(args[1]);
      return new UnsupportedVersion(str(args[0]) ?? "", method);
    }
    case "RemoteError": {
      if (args.length === 3 && args.every((a) => typeof a === "string"))
        return new RemoteError(args[0] as string, args[1] as string, args[2] as string);
      const m = REMOTE_ERROR.exec(message);
      return m ? new RemoteError(m[1] as string, m[2] as string, m[3] as string) : new RemoteError("", message, "");
    }
    case "RPCVersionCapError": {
      if (args.length === 2 && typeof args[1] === "string")
        return withMessage(new RPCVersionCapError(str(args[0]) ?? null, args[1]), message);
      const m = VERSION_CAP.exec(message);
      return withMessage(new RPCVersionCapError(m ? (m[1] as string) : null, m ? (m[2] as string) : ""), message);
    }
    case "MessagingTimeout":
      return new MessagingTimeout(message);
    case "MessageDeliveryFailure":
      return new MessageDeliveryFailure(message);
    case "InvalidTarget": {
      // oslo: msg + ":" + str(target), str(Target) being "<Target ...>".
      const at = message.lastIndexOf(":<Target");
      return withMessage(new InvalidTarget("", at >= 0 ? message.slice(at + 1) : undefined), message);
    }
    case "InvalidTransportURL":
      return withMessage(new InvalidTransportURL("", ""), message);
    case "MatchmakerUnavailable":
      return new MatchmakerUnavailable(message);
    default: {
      // MessagingException and the server/client/transport errors without a class here.
      const err = new MessagingError(message);
      err.name = cls;
      return err;
    }
  }
}
