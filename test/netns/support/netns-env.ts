/**
 * What the network-namespace harness needs from the machine, and the one way it runs
 * `ip` and `tc`: root, iproute2, redis-server, a kernel that lets it create namespaces,
 * veth pairs and a bridge, and a private /24 that nothing on the machine uses.
 *
 * `netnsSkipReason()` answers once (and prints the reason) why the suite cannot run here;
 * `netemSkipReason()` whether the kernel has the netem qdisc (some minimal kernels do not).
 * `checkSubnet()` refuses a subnet that overlaps an address or route of the root namespace.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { REDIS_SERVER_BIN } from "../../support/redis-server.js";

/** Every namespace the harness creates is named `znt-<pid of the creating process>-...`. */
export const NAME_PREFIX = "znt-";

function findBin(name: string): string | undefined {
  return ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map((d) => `${d}/${name}`).find((p) => existsSync(p));
}

export const IP_BIN = findBin("ip");
export const TC_BIN = findBin("tc");

/** Runs a command and returns its stdout; throws with its stderr when it fails. */
export function sh(bin: string, args: readonly string[], input?: string): string {
  const r = spawnSync(bin, args, { encoding: "utf8", input, timeout: 20_000 });
  if (r.status !== 0)
    throw new Error(`${bin} ${args.join(" ")} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export const ip = (...args: string[]): string => sh(IP_BIN!, args);
export const tc = (...args: string[]): string => sh(TC_BIN!, args);

/** `ip` that may fail (cleanup of things that may already be gone): true when it succeeded. */
export function ipQuiet(...args: string[]): boolean {
  return spawnSync(IP_BIN!, args, { stdio: "ignore", timeout: 20_000 }).status === 0;
}

/** Names of every network namespace `ip netns` knows. */
export function listNamespaces(): string[] {
  if (!IP_BIN) return [];
  return ip("netns", "list")
    .split("\n")
    .map((l) => l.split(" ")[0]!.trim())
    .filter((n) => n.length > 0);
}

let reason: string | null | undefined;
/** Why the namespace suite cannot run here (printed once), or undefined when it can. */
export function netnsSkipReason(): string | undefined {
  if (reason === undefined) {
    reason = probe() ?? null;
    if (reason !== null) console.log(`# SKIP: ${reason}; network-namespace tests skipped`);
  }
  return reason ?? undefined;
}

function probe(): string | undefined {
  if (process.platform !== "linux") return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "not running as root (ip netns needs CAP_SYS_ADMIN)";
  if (!IP_BIN) return "iproute2's ip not found (install the iproute2 package)";
  if (!TC_BIN) return "iproute2's tc not found (install the iproute2 package)";
  if (!existsSync(REDIS_SERVER_BIN)) return `${REDIS_SERVER_BIN} not found (install the redis-server package)`;
  const ns = `${NAME_PREFIX}${process.pid}-probe`;
  try {
    ip("netns", "add", ns);
    ip("-n", ns, "link", "add", "name", "br0", "type", "bridge");
    ip("-n", ns, "link", "add", "name", "v0", "type", "veth", "peer", "name", "v1");
    return undefined;
  } catch (err) {
    return `cannot create a namespace, bridge and veth pair: ${(err as Error).message}`;
  } finally {
    ipQuiet("netns", "del", ns);
  }
}

let netemReason: string | null | undefined;
/** Why `tc ... netem` cannot be used here, or undefined when it can (probed once, in a scratch namespace). */
export function netemSkipReason(): string | undefined {
  if (netemReason === undefined) {
    const ns = `${NAME_PREFIX}${process.pid}-netem`;
    try {
      ip("netns", "add", ns);
      tc("-n", ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms");
      netemReason = null;
    } catch (err) {
      netemReason = `the kernel has no netem qdisc: ${(err as Error).message}`;
    } finally {
      ipQuiet("netns", "del", ns);
    }
  }
  return netemReason ?? undefined;
}

/** The /24 the harness uses, as its first three octets; NETNS_SUBNET overrides it (e.g. "10.99.7"). */
export const SUBNET = process.env.NETNS_SUBNET ?? "10.213.42";

const toInt = (a: string): number => a.split(".").reduce((n, o) => n * 256 + Number(o), 0) >>> 0;

/** Throws unless `prefix` is a private /24 (10/8, 172.16/12, 192.168/16) that no address or route of this namespace overlaps. */
export function checkSubnet(prefix = SUBNET): void {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(prefix);
  const [a, b] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!m || ![a, b, Number(m[3])].every((o) => o <= 255))
    throw new Error(`NETNS_SUBNET "${prefix}" is not three octets`);
  if (!(a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)))
    throw new Error(`NETNS_SUBNET ${prefix}.0/24 is not in a private range`);
  const lo = toInt(`${prefix}.0`);
  const hi = lo + 255;
  const overlaps = (dst: string): boolean => {
    const [net, bitsText] = dst.split("/");
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (bits === 0) return false; // a default route overlaps everything; the namespaces have none
    const start = toInt(net!) & (bits === 32 ? 0xffffffff : ~(0xffffffff >>> bits));
    const end = (start >>> 0) + 2 ** (32 - bits) - 1;
    return start >>> 0 <= hi && end >= lo;
  };
  const used: string[] = [];
  for (const l of JSON.parse(ip("-4", "-j", "addr", "show")) as { addr_info?: { local: string }[] }[])
    for (const i of l.addr_info ?? []) if (overlaps(`${i.local}/32`)) used.push(`address ${i.local}`);
  for (const r of JSON.parse(ip("-4", "-j", "route", "show", "table", "all")) as { dst: string }[])
    if (r.dst !== "default" && /^\d/.test(r.dst) && overlaps(r.dst)) used.push(`route ${r.dst}`);
  if (used.length > 0)
    throw new Error(
      `refusing to run: ${prefix}.0/24 is in use on this machine (${used.join(", ")}); pick another with NETNS_SUBNET`,
    );
}
