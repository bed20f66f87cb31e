/**
 * Proxy routing mode's wiring (spec/proxy.md): what a transport with
 * `DriverOptions.routing: "proxy"` uses instead of its socket factory and matchmaker.
 *
 * - sockets: `dealer()` gives the socket pool a virtual DEALER over the client's proxy
 *   links (proxy-client-links.ts); `router()` gives a listener a virtual ROUTER over one
 *   DEALER per proxy (proxy-server-socket.ts).
 * - matchmaker: the real one, except that (1) registering a key for a proxied server's
 *   identity also subscribes that server's socket to the key, and unregistering
 *   unsubscribes it (so a server is published exactly the keys it registered), and (2) the
 *   key "published:<key>", which a proxy-mode client's fanout is sent to, lists the one
 *   host "published:<key>" while `<key>` lists any server, and nothing otherwise.
 */
import { parseHostEntry } from "../core/host-entry.js";
import { PUBLISHED_HOST_PREFIX } from "../core/proxy-frames.js";
import type { Matchmaker } from "../ports/matchmaker.js";
import type { PortSocket, RouterOptions, SocketFactory, SocketOptions } from "../ports/socket.js";
import { ProxyClientLinks } from "./proxy-client-links.js";
import { ProxyServerSocket } from "./proxy-server-socket.js";
import type { ProxyPortDeps } from "./proxy-link.js";

export type ProxyRoutingDeps = ProxyPortDeps;

export class ProxyRouting {
  readonly sockets: SocketFactory;
  readonly matchmaker: Matchmaker;
  private links: ProxyClientLinks | undefined;
  private readonly servers = new Map<string, ProxyServerSocket>();

  constructor(private readonly deps: ProxyRoutingDeps) {
    const inner = deps.sockets;
    this.sockets = {
      router: (o: RouterOptions): PortSocket => {
        const s = new ProxyServerSocket(deps, o, (gone) => {
          if (this.servers.get(gone.identity) === gone) this.servers.delete(gone.identity);
        });
        this.servers.set(s.identity, s);
        return s;
      },
      dealer: (_o: SocketOptions): PortSocket => this.clientLinks().dealer(),
      close: () => {
        this.links?.close();
        inner.close();
      },
    };
    this.matchmaker = publishedKeys(deps.matchmaker, this.servers);
  }

  /** The client's links, made on first use (a transport that only serves opens none). */
  clientLinks(): ProxyClientLinks {
    this.links ??= new ProxyClientLinks(this.deps);
    return this.links;
  }

  /** The proxied listener socket of `identity`, if open (tests). */
  server(identity: string): ProxyServerSocket | undefined {
    return this.servers.get(identity);
  }
}

function publishedKeys(inner: Matchmaker, servers: ReadonlyMap<string, ProxyServerSocket>): Matchmaker {
  const published = (key: string): string | undefined =>
    key.startsWith(PUBLISHED_HOST_PREFIX) ? key.slice(PUBLISHED_HOST_PREFIX.length) : undefined;
  const asPublished = (key: string, hosts: readonly string[]): string[] =>
    hosts.length > 0 ? [`${PUBLISHED_HOST_PREFIX}${key}`] : [];
  const subscribe = (entry: string, key: string, on: boolean): void => {
    const s = servers.get(parseHostEntry(entry).address); // the entry ends in "#wire=2"
    if (s === undefined) return;
    const keys = new Set(s.subscribedKeys);
    if (on === keys.has(key)) return;
    if (on) keys.add(key);
    else keys.delete(key);
    s.subscribe([...keys]);
  };
  const mm: Matchmaker = {
    register: (key, host, ttlMs) => {
      subscribe(host, key, true);
      return inner.register(key, host, ttlMs);
    },
    unregister: (key, host) => {
      subscribe(host, key, false);
      return inner.unregister(key, host);
    },
    getHosts: async (key) => {
      const base = published(key);
      return base === undefined ? inner.getHosts(key) : asPublished(base, await inner.getHosts(base));
    },
    close: () => inner.close(),
  };
  if (inner.peekHosts !== undefined) {
    const peek = inner.peekHosts.bind(inner);
    mm.peekHosts = (key) => {
      const base = published(key);
      if (base === undefined) return peek(key);
      const hosts = peek(base);
      return hosts === undefined ? undefined : asPublished(base, hosts);
    };
  }
  if (inner.watch !== undefined) {
    const watch = inner.watch.bind(inner);
    mm.watch = (listener) =>
      watch((key) => {
        listener(key);
        listener(`${PUBLISHED_HOST_PREFIX}${key}`);
      });
  }
  if (inner.hostDown !== undefined) mm.hostDown = inner.hostDown.bind(inner);
  return mm;
}
