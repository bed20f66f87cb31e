/**
 * ioredis connectors whose sockets always have an `error` listener.
 *
 * ioredis listens for a socket's errors with `once`: a socket that fails twice raises an
 * unhandled `error` event and the process dies. A TLS socket does fail twice when it is
 * closed during its handshake (the transport closing while a reconnect is under way: the
 * close, then the server's alert "decode error"); measured with ioredis 6.0 and Node 20,
 * and reported upstream (redis/ioredis pull requests 961 and 962, not merged). These
 * connectors open the socket as ioredis's own do and add a listener that ignores what
 * ioredis's listeners already reported. `RedisOptions.Connector` installs them
 * (connection.ts); the Sentinel connector passes the guard on to the clients it opens to
 * the Sentinels.
 */
import { createConnection } from "node:net";
import { connect as tlsConnect } from "node:tls";
import {
  AbstractConnector,
  SentinelConnector,
  type SentinelConnectionOptions,
  type StandaloneConnectionOptions,
} from "ioredis";

type Stream = ReturnType<typeof createConnection> | ReturnType<typeof tlsConnect>;

const ignore = (): void => undefined;

/** Messages as ioredis words them (its CONNECTION_CLOSED_ERROR_MSG). */
const CONNECTION_CLOSED = "Connection is closed.";

/** ioredis's StandaloneConnector for host and port (TLS when `tls` is set), with the guard. */
export class GuardedStandaloneConnector extends AbstractConnector {
  private readonly options: StandaloneConnectionOptions;
  /** `options`: the Redis options, as ioredis passes them to a Connector. */
  constructor(options: unknown) {
    const o = options as StandaloneConnectionOptions;
    super(o.disconnectTimeout ?? 2000);
    this.options = o;
  }

  connect(): Promise<Stream> {
    this.connecting = true;
    const { host, port, family, tls } = this.options;
    const target = {
      port: port ?? 6379,
      ...(host != null ? { host } : {}),
      ...(family != null ? { family } : {}),
    };
    // Like ioredis: the socket is opened on the next tick, unless disconnect() came first.
    return new Promise((resolve, reject) => {
      process.nextTick(() => {
        if (!this.connecting) {
          reject(new Error(CONNECTION_CLOSED));
          return;
        }
        let stream: Stream;
        try {
          stream = tls ? tlsConnect({ ...target, ...tls }) : createConnection(target);
        } catch (err) {
          reject(err);
          return;
        }
        this.stream = stream;
        stream.once("error", (err) => {
          this.firstError = err;
        });
        stream.on("error", ignore);
        resolve(stream);
      });
    });
  }
}

/** ioredis's SentinelConnector with the guard on the master's socket and on its Sentinel clients. */
export class GuardedSentinelConnector extends SentinelConnector {
  constructor(options: unknown) {
    super(options as SentinelConnectionOptions);
    // connectToSentinel is private in ioredis's types: wrapped on the instance.
    const self = this as unknown as { connectToSentinel(endpoint: unknown, o?: object): unknown };
    const open = self.connectToSentinel.bind(this);
    self.connectToSentinel = (endpoint, o) => open(endpoint, { ...o, Connector: GuardedStandaloneConnector });
  }

  override async connect(eventEmitter: Parameters<SentinelConnector["connect"]>[0]): Promise<Stream> {
    const stream = await super.connect(eventEmitter);
    stream.on("error", ignore);
    return stream;
  }
}
