/** Command-line arguments of `npm run sim` (sim/cli/main.ts). */
import { parseArgs as parseArgv } from "node:util";
import { givenOptions, intOption, parseCommandLine, UsageError } from "../../src/cli/command-line.js";
import { BALANCING_STRATEGIES, type BalancingStrategy } from "../../src/core/balancing/balancer.js";
import { FAULT_PRESETS } from "../faults/options.js";
import { PLANTED_BUGS } from "../planted-bugs.js";
import { parseSeed, type ParsedSeed } from "../prng.js";
import { findScenario } from "../scenarios/catalog.js";
import { parseShard, type Shard } from "./swarm.js";

export interface CliArgs {
  seed: ParsedSeed | undefined;
  hosts: number | undefined;
  calls: number | undefined;
  /** Notifications to publish besides the requests (sim/notify/); undefined: none. */
  notifications: number | undefined;
  rate: number | undefined;
  burst: number | undefined;
  timeoutMs: number | undefined;
  faults: string;
  scenario: string | undefined;
  listScenarios: boolean;
  swarm: number | undefined;
  /** Worker threads for --swarm; undefined: one per core (capped at the seeds to run). */
  workers: number | undefined;
  shard: Shard | undefined;
  search: number | undefined;
  json: boolean;
  report: string | undefined;
  noReport: boolean;
  trace: string | undefined;
  plantedBug: string | undefined;
  /**
   * --proxies: a number runs every process in proxy routing mode through that many
   * simulated proxies (a single run, or every seed of a swarm); "draw" (swarm only): each
   * seed draws direct or proxy mode (sim/swarm.ts). undefined: direct mode.
   */
  proxies: number | "draw" | undefined;
  /** Acknowledged delivery on (DriverOptions.acks) in every process. */
  acks: boolean;
  /** DriverOptions.ackTimeoutMs with --acks (undefined: the driver's default). */
  ackTimeoutMs: number | undefined;
  /** Percent of calls and casts marked idempotent (undefined: 50 with --acks, else 0). */
  idempotentPercent: number | undefined;
  /** DriverOptions.balancing of every simulated process; undefined: the driver's default (round robin). */
  balancing: BalancingStrategy | undefined;
  /** CURVE in every process (SimOptions.curve), keys drawn from the seed. */
  curve: boolean;
  progress: boolean | undefined;
  drain: "sync" | "immediate";
  help: boolean;
}

export const USAGE = `usage: npm run sim -- [options]

Runs the real driver on a simulated cluster in virtual time (deterministic in the seed),
with faults, checks the history, prints a summary and writes an HTML report. Modes: one
run (default), --scenario, --swarm, --search, --list-scenarios. Exit status: 0 no
violation, 1 a checker found a violation, 2 bad usage or a crash of the simulator.

  --seed <n|commit>     seed: a number or a 40-hex commit hash (default: SIM_SEED, else random)
  --hosts <n>           simulated hosts, one driver process each (default 20)
  --calls <n>           requests to issue: calls, casts and fanouts (default 2000)
  --notifications <n>   also publish <n> notifications to listener pools (default 0: none)
  --rate <n>            requests per virtual second over the cluster (default 2000)
  --burst <n>           requests each arrival issues at once from one host (default 1;
                        more queue up behind each other's sends and travel in batches;
                        with --swarm, every seed's)
  --timeout-ms <n>      request timeout (default 3000)
  --faults <preset>     ${Object.keys(FAULT_PRESETS).join(" | ")} (default: default)
  --scenario <name>     run a named regression scenario (--list-scenarios to see them)
  --list-scenarios      list the named scenarios and exit
  --swarm <count>       run <count> seeds from --seed on, each with random options
  --workers <n>         --swarm on <n> worker threads (default: one per core; 1: in this thread)
  --shard <k>/<n>       --swarm runs only the k-th of n contiguous blocks of its seeds
  --search <runs>       fast-check: try <runs> generated fault schedules on this cluster
                        (no background faults), shrink the first failing one, print it
  --json                print one JSON object as the last line of stdout
  --report <dir>        where to write the HTML report (default reports/sim/<run>)
  --no-report           do not write a report
  --trace <file>        write the event trace, one line per event (slow on big runs)
  --planted-bug <name>  run with a deliberately planted driver bug (demonstration)
  --proxies <n|draw>    proxy routing mode through n simulated proxies (1..16); with --swarm,
                        "draw": each seed draws direct mode or 1..3 proxies with proxy faults
  --acks                acknowledged delivery on in every process (also with --scenario)
  --ack-timeout-ms <n>  with --acks: wait for an ACK before resending (default: the driver's, 1000)
  --idempotent <pct>    percent of calls and casts marked idempotent (default 50 with --acks, else 0)
  --balancing <name>    every client's strategy: ${BALANCING_STRATEGIES.join(" | ")}
                        (default: the driver's, round-robin; also with --scenario, --swarm, --search)
  --curve               CURVE in every process, keys from the seed, new keys at each restart
                        (at most 200 hosts; also with --scenario, --search)
  --[no-]progress       progress bar on stderr (default: when stderr is a terminal)
  --drain <mode>        microtask drain: sync (default) | immediate (portable, slower)
  -h, --help            print this help and exit
`;

const OPTIONS = {
  seed: { type: "string" },
  hosts: { type: "string" },
  calls: { type: "string" },
  notifications: { type: "string" },
  rate: { type: "string" },
  burst: { type: "string" },
  "timeout-ms": { type: "string" },
  faults: { type: "string" },
  scenario: { type: "string" },
  "list-scenarios": { type: "boolean" },
  swarm: { type: "string" },
  workers: { type: "string" },
  shard: { type: "string" },
  search: { type: "string" },
  json: { type: "boolean" },
  report: { type: "string" },
  "no-report": { type: "boolean" },
  trace: { type: "string" },
  "planted-bug": { type: "string" },
  proxies: { type: "string" },
  acks: { type: "boolean" },
  "ack-timeout-ms": { type: "string" },
  idempotent: { type: "string" },
  balancing: { type: "string" },
  curve: { type: "boolean" },
  progress: { type: "boolean" },
  "no-progress": { type: "boolean" },
  drain: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses argv (without node and script); throws UsageError naming the mistake. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliArgs {
  const { values: v, tokens } = parseCommandLine(() =>
    parseArgv({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false, tokens: true }),
  );
  const given = givenOptions(tokens);
  const seedText = v.seed ?? (env.SIM_SEED || undefined);
  if (v.faults !== undefined && !FAULT_PRESETS[v.faults])
    throw new UsageError(`unknown fault preset ${v.faults}; known: ${Object.keys(FAULT_PRESETS).join(", ")}`);
  if (v.scenario !== undefined && !findScenario(v.scenario))
    throw new UsageError(`unknown scenario ${v.scenario} (--list-scenarios lists them)`);
  const bug = v["planted-bug"];
  if (bug !== undefined && !(PLANTED_BUGS as readonly string[]).includes(bug))
    throw new UsageError(`unknown planted bug ${bug}; known: ${PLANTED_BUGS.join(", ")}`);
  if (v.balancing !== undefined && !(BALANCING_STRATEGIES as readonly string[]).includes(v.balancing))
    throw new UsageError(`unknown balancing strategy ${v.balancing}; known: ${BALANCING_STRATEGIES.join(", ")}`);
  if (v.drain !== undefined && v.drain !== "sync" && v.drain !== "immediate")
    throw new UsageError(`--drain is sync or immediate, got ${v.drain}`);
  // --progress and --no-progress: the later one wins.
  const lastProgress = given.filter((n) => n === "progress" || n === "no-progress").pop();
  const a: CliArgs = {
    seed: seedText !== undefined ? usage(() => parseSeed(seedText)) : undefined,
    hosts: intOption("--hosts", v.hosts, 1),
    calls: intOption("--calls", v.calls, 0),
    notifications: intOption("--notifications", v.notifications, 0),
    rate: intOption("--rate", v.rate, 1),
    burst: intOption("--burst", v.burst, 1),
    timeoutMs: intOption("--timeout-ms", v["timeout-ms"], 0),
    faults: v.faults ?? "default",
    scenario: v.scenario,
    listScenarios: v["list-scenarios"] === true,
    swarm: intOption("--swarm", v.swarm, 1),
    workers: intOption("--workers", v.workers, 1),
    shard: v.shard !== undefined ? parseShard(v.shard) : undefined,
    search: intOption("--search", v.search, 1),
    json: v.json === true,
    report: v.report,
    noReport: v["no-report"] === true,
    trace: v.trace,
    plantedBug: v["planted-bug"],
    proxies: v.proxies === "draw" ? "draw" : intOption("--proxies", v.proxies, 1),
    acks: v.acks === true,
    ackTimeoutMs: intOption("--ack-timeout-ms", v["ack-timeout-ms"], 1),
    idempotentPercent: intOption("--idempotent", v.idempotent, 0),
    balancing: v.balancing as BalancingStrategy | undefined,
    curve: v.curve === true,
    progress: lastProgress === undefined ? undefined : lastProgress === "progress",
    drain: v.drain === "immediate" ? "immediate" : "sync",
    help: v.help === true,
  };
  if (a.idempotentPercent !== undefined && a.idempotentPercent > 100)
    throw new UsageError(`--idempotent needs a percent in 0..100, got ${a.idempotentPercent}`);
  if (!a.help) checkCombination(a, new Set(given));
  return a;
}

/** Runs `f`, turning its RangeError (a bad seed) into a UsageError. */
function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw err instanceof RangeError ? new UsageError(err.message) : err;
  }
}

/**
 * Refuses flags the chosen mode would ignore, instead of running something other than
 * what was asked: a scenario brings its own rate, timeout and faults; a swarm draws every
 * option per seed (only --hosts and --calls override) and writes reports only for failing
 * seeds; a search runs generated fault schedules without background faults; worker
 * threads and shards divide a swarm's seeds, so they need one.
 */
function checkCombination(a: CliArgs, given: ReadonlySet<string>): void {
  const refuse = (mode: string, names: string[]): void => {
    const bad = names.filter((n) => given.has(n)).map((n) => `--${n}`);
    if (bad.length > 0) throw new UsageError(`${bad.join(", ")} cannot be combined with ${mode}: it would be ignored`);
  };
  const modes = [
    a.scenario !== undefined && "--scenario",
    a.swarm !== undefined && "--swarm",
    a.search !== undefined && "--search",
  ].filter((m): m is string => m !== false);
  if (modes.length > 1) throw new UsageError(`${modes.join(" and ")} are separate modes; choose one`);
  if (a.scenario !== undefined)
    refuse("--scenario (a scenario sets its own rate, timeout and faults)", ["rate", "timeout-ms", "faults"]);
  if (a.swarm !== undefined)
    refuse("--swarm (every option but --hosts, --calls, --burst and --proxies is drawn per seed)", [
      "notifications",
      "rate",
      "timeout-ms",
      "faults",
      "trace",
      "report",
      "acks",
      "ack-timeout-ms",
      "idempotent",
      "curve",
    ]);
  else {
    const bad = ["workers", "shard"].filter((n) => given.has(n)).map((n) => `--${n}`);
    if (bad.length > 0)
      throw new UsageError(
        `${bad.join(", ")} divide the seeds of --swarm; without --swarm ${bad.length > 1 ? "they" : "it"} would be ignored`,
      );
  }
  if (a.proxies === "draw" && a.swarm === undefined)
    throw new UsageError("--proxies draw needs --swarm: only a swarm draws the routing mode per seed");
  if (typeof a.proxies === "number" && a.proxies > 16)
    throw new UsageError(`--proxies needs 1..16 proxies, got ${a.proxies}`);
  if (a.scenario !== undefined) refuse("--scenario (a scenario sets its own proxies)", ["proxies"]);
  if (given.has("ack-timeout-ms") && !a.acks)
    throw new UsageError("--ack-timeout-ms needs --acks: without it there are no ACKs to wait for");
  if (a.search !== undefined)
    refuse("--search (generated schedules, no background faults, no report)", ["faults", "trace", "report"]);
}
