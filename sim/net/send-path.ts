/**
 * The send side of a simulated socket: routing one message to a pipe (DEALER round robin,
 * ROUTER by routing id), and the single blocked send zeromq.js allows.
 *
 * A send that cannot complete at once waits (when sendTimeoutMs is not 0); every change
 * that might let it through (a pipe attached, room freed in a pipe, a peer's routing id
 * appearing) retries it. Its timeout runs on the process's clock, so a paused process
 * times out late, as a blocked event loop would. While it waits, further sends reject
 * EBUSY (zeromq.js throws; the adapter turns that into a rejection).
 */
import type { TimerId } from "../../src/ports/clock.js";
import { PortError, type PortErrorCode } from "../../src/ports/socket.js";
import type { SimNetwork } from "./network.js";
import type { SimSocket } from "./sim-socket.js";

const DONE = Promise.resolve();

interface Blocked {
  frames: Buffer[];
  resolve: () => void;
  reject: (e: PortError) => void;
  code: PortErrorCode;
  timer: TimerId | undefined;
}

function message(code: PortErrorCode): string {
  if (code === "EHOSTUNREACH") return "Host unreachable";
  return "Socket temporarily unavailable";
}

export class SendPath {
  private blocked: Blocked | undefined;

  constructor(
    private readonly sock: SimSocket,
    private readonly net: SimNetwork,
  ) {}

  send(input: readonly Buffer[]): Promise<void> {
    if (this.blocked)
      return Promise.reject(
        new PortError("EBUSY", "Socket is busy writing; only one send operation may be in progress at any time"),
      );
    // Frames are not copied: zeromq.js copies the bytes, but neither the driver nor the
    // simulation mutates a sent message, so sharing the buffers is indistinguishable.
    const frames = input as Buffer[];
    const code = this.attempt(frames);
    if (code === undefined) return DONE;
    if (this.sock.sendTimeoutMs === 0) {
      this.traceFail(code);
      return Promise.reject(new PortError(code, message(code)));
    }
    return new Promise<void>((resolve, reject) => {
      const b: Blocked = { frames, resolve, reject, code, timer: undefined };
      this.blocked = b;
      if (this.sock.sendTimeoutMs > 0)
        b.timer = this.sock.proc.clock.setTimer(this.sock.sendTimeoutMs, () => this.timedOut(b));
    });
  }

  /** Something changed that may let the blocked send through. */
  retry(): void {
    const b = this.blocked;
    if (!b || this.sock.dead) return;
    const code = this.attempt(b.frames);
    if (code !== undefined) {
      b.code = code;
      return;
    }
    this.blocked = undefined;
    if (b.timer !== undefined) this.sock.proc.clock.clearTimer(b.timer);
    this.sock.proc.enter(b.resolve);
  }

  /** close(): the blocked send, if any, fails with ECLOSED. */
  abort(message: string): void {
    const b = this.blocked;
    if (!b) return;
    this.blocked = undefined;
    if (b.timer !== undefined) this.sock.proc.clock.clearTimer(b.timer);
    b.reject(new PortError("ECLOSED", message));
  }

  private timedOut(b: Blocked): void {
    if (this.blocked !== b) return;
    this.blocked = undefined;
    this.traceFail(b.code);
    b.reject(new PortError(b.code, message(b.code)));
  }

  /** Reports a failed send in the trace. */
  private traceFail(code: PortErrorCode): void {
    const s = this.sock;
    this.net.trace.record("sendFail", s.host, s.id, code === "EAGAIN" ? 1 : code === "EHOSTUNREACH" ? 2 : 3);
  }

  /** Routes one message; undefined when it was queued (or dropped by design), else the error. */
  private attempt(frames: Buffer[]): PortErrorCode | undefined {
    const s = this.sock;
    if (s.kind === "dealer") {
      const end = s.lb.next();
      if (!end) return "EAGAIN";
      end.write(frames);
      return undefined;
    }
    const id = frames[0];
    const end = id === undefined ? undefined : s.routes!.lookup(id);
    if (!end) {
      if (s.mandatory) return "EHOSTUNREACH";
      this.net.trace.record("drop", s.host, s.id, 1);
      return undefined;
    }
    if (!end.canWrite()) {
      if (s.mandatory) return "EAGAIN";
      this.net.trace.record("drop", s.host, s.id, 2);
      return undefined;
    }
    end.write(frames.slice(1));
    return undefined;
  }
}
