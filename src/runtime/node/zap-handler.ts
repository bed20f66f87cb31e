/**
 * ZAP handler (ZeroMQ RFC 27) of one zeromq.js Context: a ROUTER bound to
 * inproc://zeromq.zap.01, which libzmq asks, for every CURVE handshake of a server socket
 * of that Context, whether the client's public key may connect.
 *
 * Each CURVE router with an allow-list gets a ZAP domain of its own (ZMQ_ZAP_DOMAIN) and
 * ZMQ_ZAP_ENFORCE_DOMAIN, so that without an answer from this handler its handshakes fail
 * rather than pass. The answer for a request:
 * - the router's domain, the client key listed: 200, user id = the key (Z85);
 * - the router's domain, any other key: 400, and the router hears of the refused key;
 * - the empty domain (a router without an allow-list, in the same Context): 200;
 * - any other domain (a router closed meanwhile), or a mechanism other than CURVE: 400.
 * Requests are answered one at a time, in order (zeromq.js allows one send in flight).
 */
import * as zmq from "zeromq";
import { z85Encode } from "../../core/curve-key.js";

export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";

interface Domain {
  /** Allowed client keys as hex (the credentials frame holds the 32 raw bytes). */
  readonly allowed: ReadonlySet<string>;
  readonly onRefused: (clientKey: string, address: string) => void;
}

export class ZapHandler {
  private readonly socket: zmq.Router;
  private readonly domains = new Map<string, Domain>();
  private nextDomain = 1;
  /** Resolves once the handler is bound: a router must not bind (take handshakes) before. */
  readonly ready: Promise<void>;

  constructor(context: zmq.Context) {
    this.socket = new zmq.Router({ context, linger: 0 });
    this.ready = this.socket.bind(ZAP_ENDPOINT).then(() => {
      void this.serve();
    });
    // A failed bind fails the bind of every router that waits for it (fails closed); it
    // must not also surface as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** A new domain whose clients must hold one of `allowedHex`; returns its name. */
  add(allowedHex: readonly string[], onRefused: (clientKey: string, address: string) => void): string {
    const name = `oslo-zmq-${this.nextDomain++}`;
    this.domains.set(name, { allowed: new Set(allowedHex), onRefused });
    return name;
  }

  remove(domain: string): void {
    this.domains.delete(domain);
  }

  close(): void {
    this.domains.clear();
    if (!this.socket.closed) this.socket.close();
  }

  private async serve(): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.socket.receive();
        await this.socket.send(this.answer(frames));
      } catch {
        if (this.socket.closed) return; // closed with its factory
      }
    }
  }

  /** The reply to one request: [routing id, "", version, request id, status, text, user id, metadata]. */
  private answer(frames: Buffer[]): Buffer[] {
    const [id, delimiter, version, requestId, domain, address, , mechanism, credentials] = frames;
    const reply = (status: string, text: string, userId = ""): Buffer[] => [
      id ?? Buffer.alloc(0),
      delimiter ?? Buffer.alloc(0),
      Buffer.from("1.0"),
      requestId ?? Buffer.alloc(0),
      Buffer.from(status),
      Buffer.from(text),
      Buffer.from(userId),
      Buffer.alloc(0),
    ];
    if (version?.toString() !== "1.0") return reply("500", "unsupported ZAP version");
    const name = domain?.toString() ?? "";
    if (name === "") return reply("200", "OK"); // a router without an allow-list: not ours to refuse
    const d = this.domains.get(name);
    if (d === undefined) return reply("400", "unknown ZAP domain");
    if (mechanism?.toString() !== "CURVE" || credentials === undefined || credentials.length !== 32)
      return reply("400", "CURVE required");
    const key = z85Encode(credentials);
    if (d.allowed.has(credentials.toString("hex"))) return reply("200", "OK", key);
    try {
      d.onRefused(key, address?.toString() ?? "");
    } catch {
      /* a listener's failure must not leave the handshake unanswered */
    }
    return reply("400", "client key not allowed");
  }
}
