/**
 * A scriptable socket port for the pool shell's unit tests: records what the pool does
 * (options, connects, sends, closes) and lets a test decide how sends end, emit socket
 * events and deliver received frames. Sends on a closed socket are recorded as a bug.
 */
import {
  PortError,
  type ConnectOptions,
  type DealerOptions,
  type PortSocket,
  type RouterOptions,
  type SocketEvent,
  type SocketFactory,
} from "../../src/internal.js";

export class FakeSocket implements PortSocket {
  closed = false;
  readonly connects: string[] = [];
  /** The options of each connect, in order (a CURVE client names the server key). */
  readonly connectOptions: (ConnectOptions | undefined)[] = [];
  readonly sent: Buffer[][] = [];
  sendsAfterClose = 0;
  private readonly listeners = new Set<(e: SocketEvent) => void>();
  private receivers: { resolve: (f: Buffer[]) => void; reject: (e: Error) => void }[] = [];

  constructor(
    readonly options: DealerOptions,
    private readonly factory: FakeSocketFactory,
  ) {}

  bind(address: string): Promise<string> {
    return Promise.resolve(address);
  }

  connect(address: string, options?: ConnectOptions): void {
    this.connects.push(address);
    this.connectOptions.push(options);
    // Some sockets report their connection while connect() runs (proxy mode's virtual DEALERs).
    if (this.factory.connectAtOnce) this.emit({ type: "connect", address });
  }

  disconnect(): void {}

  send(frames: readonly Buffer[]): Promise<void> {
    if (this.closed) {
      this.sendsAfterClose++;
      return Promise.reject(new PortError("ECLOSED", "closed"));
    }
    this.sent.push([...frames]);
    const outcome = this.factory.sendOutcome(this);
    return outcome === "ok" ? Promise.resolve() : Promise.reject(new PortError(outcome, `fake ${outcome}`));
  }

  receive(): Promise<Buffer[]> {
    if (this.closed) return Promise.reject(new PortError("ECLOSED", "closed"));
    return new Promise((resolve, reject) => this.receivers.push({ resolve, reject }));
  }

  /** Delivers a message to the pending receive. */
  deliver(frames: Buffer[]): void {
    this.receivers.shift()?.resolve(frames);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.receivers.splice(0)) r.reject(new PortError("ECLOSED", "closed"));
    for (const l of this.listeners) l({ type: "close" });
  }

  onEvent(listener: (e: SocketEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: SocketEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}

export class FakeSocketFactory implements SocketFactory {
  readonly dealers: FakeSocket[] = [];
  /** Sockets emit "connect" synchronously inside connect(). */
  connectAtOnce = false;
  /** How the next send on a socket ends; "ok" unless a test says otherwise. */
  sendOutcome: (s: FakeSocket) => "ok" | "EAGAIN" | "EHOSTUNREACH" = () => "ok";

  router(options: RouterOptions): PortSocket {
    return new FakeSocket(options, this);
  }

  dealer(options: DealerOptions): PortSocket {
    const s = new FakeSocket(options, this);
    this.dealers.push(s);
    return s;
  }

  open(): FakeSocket[] {
    return this.dealers.filter((d) => !d.closed);
  }

  close(): void {}
}
