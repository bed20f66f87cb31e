/**
 * The CLI refuses flags the chosen mode would ignore (a scenario's own rate and faults, a
 * swarm's drawn options, a search's generated schedules) and two modes at once, with an
 * error naming them; flags every mode uses pass.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseArgs } from "../../sim/cli/args.js";

test("sim cli args - flags a mode would ignore are refused with their names; compatible ones pass", () => {
  const refused: [string[], RegExp][] = [
    [["--scenario", "quiet", "--rate", "500"], /--rate cannot be combined with --scenario/],
    [
      ["--scenario", "quiet", "--faults", "heavy", "--timeout-ms", "10"],
      /--timeout-ms, --faults cannot be combined with --scenario/,
    ],
    [["--swarm", "5", "--trace", "t.log"], /--trace cannot be combined with --swarm/],
    [["--swarm", "5", "--faults", "none"], /--faults cannot be combined with --swarm/],
    [["--search", "5", "--report", "r"], /--report cannot be combined with --search/],
    [["--swarm", "5", "--search", "3"], /--swarm and --search are separate modes/],
    [["--scenario", "quiet", "--swarm", "2"], /--scenario and --swarm are separate modes/],
    [["--swarm", "5", "--acks", "--idempotent", "20"], /--acks, --idempotent cannot be combined with --swarm/],
    [["--seed", "1", "--ack-timeout-ms", "50"], /--ack-timeout-ms needs --acks/],
  ];
  for (const [argv, message] of refused) assert.throws(() => parseArgs(argv), message, argv.join(" "));
  assert.equal(parseArgs(["--scenario", "quiet", "--hosts", "8", "--calls", "100", "--json"]).scenario, "quiet");
  assert.equal(parseArgs(["--swarm", "5", "--hosts", "8", "--calls", "100", "--no-report"]).swarm, 5);
  assert.equal(
    parseArgs(["--search", "5", "--hosts", "4", "--rate", "500", "--planted-bug", "stale-reply-to-oldest"]).search,
    5,
  );
  assert.equal(parseArgs(["--seed", "1", "--rate", "500", "--faults", "heavy", "--trace", "t.log"]).rate, 500);
  const acks = parseArgs(["--scenario", "quiet", "--acks", "--ack-timeout-ms", "50", "--idempotent", "30"]);
  assert.deepEqual([acks.acks, acks.ackTimeoutMs, acks.idempotentPercent], [true, 50, 30]);
});

test("sim cli args - --help and -h ask for help, even beside flags a mode would refuse", () => {
  assert.equal(parseArgs(["--help"]).help, true);
  assert.equal(parseArgs(["-h"]).help, true);
  assert.equal(parseArgs(["--scenario", "quiet", "--rate", "5", "--help"]).help, true);
  assert.equal(parseArgs([]).help, false);
});

test("sim cli args - bad input is refused with a message naming the option", () => {
  const refused: [string[], RegExp][] = [
    [["--bogus"], /^unknown option --bogus$/],
    [["-x"], /^unknown option -x$/],
    [["stray"], /^unexpected argument stray$/],
    [["--hosts"], /^--hosts needs a value$/],
    [["--seed", "--hosts", "3"], /^--seed needs a value/],
    [["--json=yes"], /^--json takes no value$/],
    [["--hosts", "0"], /--hosts needs an integer >= 1, got 0/],
    [["--hosts=-3"], /--hosts needs an integer >= 1, got -3/],
    [["--hosts", "2.5"], /--hosts needs an integer >= 1, got 2.5/],
    [["--hosts", ""], /--hosts needs an integer >= 1/],
    [["--calls", "-1"], /--calls needs a value/],
    [["--calls=1e3x"], /--calls needs an integer >= 0, got 1e3x/],
    [["--swarm", "0"], /--swarm needs an integer >= 1/],
    [["--seed", "12ab"], /seed must be a decimal number or a 40-hex-digit commit hash/],
    [["--seed", "99999999999999999"], /larger than 2\^53 - 1/],
    [["--faults", "lots"], /unknown fault preset lots; known: none, default, heavy/],
    [["--drain", "later"], /--drain is sync or immediate, got later/],
    [["--idempotent", "101"], /--idempotent needs a percent in 0..100, got 101/],
    [["--acks", "--ack-timeout-ms", "0"], /--ack-timeout-ms needs an integer >= 1, got 0/],
    [["--scenario", "nope"], /unknown scenario nope \(--list-scenarios lists them\)/],
    [["--planted-bug", "bogus"], /unknown planted bug bogus; known: stale-reply-to-oldest/],
    [
      ["--balancing", "fastest"],
      /unknown balancing strategy fastest; known: round-robin, random, least-in-flight, latency/,
    ],
    [["--swarm", "4", "--workers", "0"], /--workers needs an integer >= 1, got 0/],
    [["--swarm", "4", "--shard", "3/2"], /--shard needs k\/n with 1 <= k <= n/],
    [["--swarm", "4", "--shard", "0/2"], /--shard needs k\/n/],
    [["--swarm", "4", "--shard", "1-2"], /--shard needs k\/n/],
    [["--workers", "2"], /--workers divide the seeds of --swarm; without --swarm it would be ignored/],
    [["--seed", "1", "--shard", "1/2", "--workers", "2"], /--workers, --shard divide the seeds of --swarm/],
  ];
  for (const [argv, message] of refused)
    assert.throws(() => parseArgs(argv), { name: "Error", message }, argv.join(" "));
});

test("sim cli args - values parse to their types; the later of --progress and --no-progress wins; SIM_SEED is the default seed", () => {
  const a = parseArgs(["--hosts=8", "--calls", "0", "--drain", "immediate", "--no-progress", "--progress"]);
  assert.equal(a.hosts, 8);
  assert.equal(a.calls, 0);
  assert.equal(a.drain, "immediate");
  assert.equal(a.progress, true);
  assert.equal(parseArgs(["--progress", "--no-progress"]).progress, false);
  assert.equal(parseArgs([]).progress, undefined);
  assert.deepEqual(parseArgs([], { SIM_SEED: "42" }).seed, { seed: 42 });
  assert.deepEqual(parseArgs(["--seed", "7"], { SIM_SEED: "42" }).seed, { seed: 7 });
  const s = parseArgs(["--swarm", "10", "--workers", "3", "--shard", "2/4"]);
  assert.deepEqual([s.swarm, s.workers, s.shard], [10, 3, { index: 2, count: 4 }]);
  assert.equal(parseArgs(["--swarm", "10"]).workers, undefined, "no --workers: one per core");
  assert.equal(parseArgs([]).balancing, undefined, "no --balancing: the driver's default");
  assert.equal(parseArgs(["--curve"]).curve, true);
  assert.equal(parseArgs([]).curve, false, "no --curve: plaintext");
  assert.throws(() => parseArgs(["--swarm", "3", "--curve"]), /--swarm/);
  assert.equal(parseArgs(["--scenario", "quiet", "--balancing", "latency"]).balancing, "latency");
});
