/** Command-line arguments of `npm run sim` (sim/cli/main.ts). */
import { FAULT_PRESETS } from "../faults/options.js";
import { parseSeed, type ParsedSeed } from "../prng.js";

export interface CliArgs {
  seed: ParsedSeed | undefined;
  hosts: number | undefined;
  calls: number | undefined;
  rate: number | undefined;
  timeoutMs: number | undefined;
  faults: string;
  scenario: string | undefined;
  listScenarios: boolean;
  swarm: number | undefined;
  search: number | undefined;
  json: boolean;
  report: string | undefined;
  noReport: boolean;
  trace: string | undefined;
  plantedBug: string | undefined;
  progress: boolean | undefined;
  drain: "sync" | "immediate";
  help: boolean;
}

export const USAGE = `usage: npm run sim -- [options]

  --seed <n|commit>     seed: a number or a 40-hex commit hash (default: SIM_SEED, else random)
  --hosts <n>           simulated hosts, one driver process each (default 20)
  --calls <n>           requests to issue: calls, casts and fanouts (default 2000)
  --rate <n>            requests per virtual second over the cluster (default 2000)
  --timeout-ms <n>      request timeout (default 3000)
  --faults <preset>     ${Object.keys(FAULT_PRESETS).join(" | ")} (default: default)
  --scenario <name>     run a named regression scenario (--list-scenarios to see them)
  --swarm <count>       run <count> seeds from --seed on, each with random options
  --search <runs>       fast-check: try <runs> generated fault schedules on this cluster
                        (no background faults), shrink the first failing one, print it
  --json                print one JSON object as the last line of stdout
  --report <dir>        where to write the HTML report (default reports/sim/<run>)
  --no-report           do not write a report
  --trace <file>        write the event trace, one line per event (slow on big runs)
  --planted-bug <name>  run with a deliberately planted driver bug (demonstration)
  --[no-]progress       progress bar on stderr (default: when stderr is a terminal)
  --drain <mode>        microtask drain: sync (default) | immediate (portable, slower)
`;

function int(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min)
    throw new RangeError(`${name} needs an integer >= ${min}, got ${v}`);
  return n;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliArgs {
  const a: CliArgs = {
    seed: env.SIM_SEED ? parseSeed(env.SIM_SEED) : undefined,
    hosts: undefined,
    calls: undefined,
    rate: undefined,
    timeoutMs: undefined,
    faults: "default",
    scenario: undefined,
    listScenarios: false,
    swarm: undefined,
    search: undefined,
    json: false,
    report: undefined,
    noReport: false,
    trace: undefined,
    plantedBug: undefined,
    progress: undefined,
    drain: "sync",
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--seed":
        a.seed = parseSeed(value());
        break;
      case "--hosts":
        a.hosts = int(flag, value(), 1);
        break;
      case "--calls":
        a.calls = int(flag, value(), 0);
        break;
      case "--rate":
        a.rate = int(flag, value(), 1);
        break;
      case "--timeout-ms":
        a.timeoutMs = int(flag, value(), 0);
        break;
      case "--faults":
        a.faults = value();
        if (!FAULT_PRESETS[a.faults]) throw new RangeError(`unknown fault preset ${a.faults}`);
        break;
      case "--scenario":
        a.scenario = value();
        break;
      case "--list-scenarios":
        a.listScenarios = true;
        break;
      case "--swarm":
        a.swarm = int(flag, value(), 1);
        break;
      case "--search":
        a.search = int(flag, value(), 1);
        break;
      case "--json":
        a.json = true;
        break;
      case "--report":
        a.report = value();
        break;
      case "--no-report":
        a.noReport = true;
        break;
      case "--trace":
        a.trace = value();
        break;
      case "--planted-bug":
        a.plantedBug = value();
        break;
      case "--progress":
        a.progress = true;
        break;
      case "--no-progress":
        a.progress = false;
        break;
      case "--drain": {
        const d = value();
        if (d !== "sync" && d !== "immediate") throw new RangeError("--drain is sync or immediate");
        a.drain = d;
        break;
      }
      case "--help":
      case "-h":
        a.help = true;
        break;
      default:
        throw new RangeError(`unknown option ${flag}\n\n${USAGE}`);
    }
  }
  checkCombination(a, argv);
  return a;
}

/**
 * Refuses flags the chosen mode would ignore, instead of running something other than
 * what was asked: a scenario brings its own rate, timeout and faults; a swarm draws every
 * option per seed (only --hosts and --calls override) and writes reports only for failing
 * seeds; a search runs generated fault schedules without background faults.
 */
function checkCombination(a: CliArgs, argv: readonly string[]): void {
  const given = (flag: string): boolean => argv.includes(flag);
  const refuse = (mode: string, flags: string[]): void => {
    const bad = flags.filter(given);
    if (bad.length > 0) throw new RangeError(`${bad.join(", ")} cannot be combined with ${mode}: it would be ignored`);
  };
  const modes = [
    a.scenario !== undefined && "--scenario",
    a.swarm !== undefined && "--swarm",
    a.search !== undefined && "--search",
  ].filter((m): m is string => m !== false);
  if (modes.length > 1) throw new RangeError(`${modes.join(" and ")} are separate modes; choose one`);
  if (a.scenario !== undefined)
    refuse("--scenario (a scenario sets its own rate, timeout and faults)", ["--rate", "--timeout-ms", "--faults"]);
  if (a.swarm !== undefined)
    refuse("--swarm (every option but --hosts and --calls is drawn per seed)", [
      "--rate",
      "--timeout-ms",
      "--faults",
      "--trace",
      "--report",
    ]);
  if (a.search !== undefined)
    refuse("--search (generated schedules, no background faults, no report)", ["--faults", "--trace", "--report"]);
}
