/**
 * The command line of `npm run bench` (spec/benchmarks.md, "Running"): what to run, for
 * how long, and how to print it; or `--compare old.json new.json`.
 */
import { parseArgs } from "node:util";
import { intOption, UsageError } from "../src/cli/command-line.js";
import { SCENARIO_NAMES, SCENARIOS } from "./scenarios/catalog.js";
import { SYSTEM_NAMES, type SystemName } from "./types.js";

export const USAGE = `usage: npm run bench [-- options]
       npm run bench -- --compare <old.json> <new.json>

End-to-end scenarios (calls one at a time and 8/64/256 in flight, casts, fanout to 10,
notifications; 100 B, 1 KiB, 64 KiB payloads; proxy and CURVE A/B), each for the driver
and raw zeromq.js DEALER/ROUTER in the same rounds, and for NATS (nats-server on the PATH),
RabbitMQ (rabbitmq-server on the PATH) and gRPC; plus micro-benchmarks of the hot paths.
Systems are interleaved round by round; every figure is the median over the rounds.

  --quick              the main scenarios only, short rounds: done within 60 s
  --json               after the tables, print the report as one JSON line (the last line)
  --only <list>        scenarios to run, comma-separated: ${SCENARIO_NAMES.join(", ")}
  --systems <list>     systems to run, comma-separated: ${SYSTEM_NAMES.join(", ")}
  --time-ms <n>        measured time per system per round (default 300, --quick 100; env BENCH_TIME_MS)
  --rounds <n>         rounds per scenario (default 7, --quick 5; --compare needs 4 or more)
  --compare            compare two reports written by --json: change per scenario and system,
                       with a verdict (better / worse / within noise) from the samples
  -h, --help           print this help and exit
`;

export type BenchArgs =
  | { mode: "compare"; values: { help?: boolean }; before: string; after: string }
  | {
      mode: "run";
      values: { help?: boolean };
      quick: boolean;
      json: boolean;
      scenarios: string[];
      systems: Set<SystemName>;
      timeMs: number;
      rounds: number;
    };

function list<T extends string>(option: string, value: string, known: readonly T[]): T[] {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) throw new UsageError(`${option} needs at least one name`);
  for (const item of items)
    if (!known.includes(item as T))
      throw new UsageError(`${option}: unknown name ${item} (known: ${known.join(", ")})`);
  return items as T[];
}

/** Parses `argv` (process.argv.slice(2) by default); throws UsageError on a mistake. */
export function parseBenchArgs(argv: string[] = process.argv.slice(2), env = process.env): BenchArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      json: { type: "boolean" },
      only: { type: "string" },
      systems: { type: "string" },
      "time-ms": { type: "string" },
      rounds: { type: "string" },
      compare: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.compare) {
    if (positionals.length !== 2) throw new UsageError(`--compare needs two report files, got ${positionals.length}`);
    return { mode: "compare", values, before: positionals[0]!, after: positionals[1]! };
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const quick = values.quick === true;
  const only = values.only === undefined ? undefined : new Set(list("--only", values.only, SCENARIO_NAMES));
  const scenarios = SCENARIO_NAMES.filter((n) =>
    only ? only.has(n) : !quick || n === "micro" || SCENARIOS.some((s) => s.name === n && s.quick),
  );
  const systems = new Set(
    values.systems === undefined ? SYSTEM_NAMES : list("--systems", values.systems, SYSTEM_NAMES),
  );
  const timeMs =
    intOption("--time-ms", values["time-ms"], 1) ??
    intOption("BENCH_TIME_MS", env.BENCH_TIME_MS, 1) ??
    (quick ? 100 : 300);
  const rounds = intOption("--rounds", values.rounds, 1) ?? (quick ? 5 : 7);
  return { mode: "run", values, quick, json: values.json === true, scenarios, systems, timeMs, rounds };
}
