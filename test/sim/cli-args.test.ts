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
  ];
  for (const [argv, message] of refused) assert.throws(() => parseArgs(argv), message, argv.join(" "));
  assert.equal(parseArgs(["--scenario", "quiet", "--hosts", "8", "--calls", "100", "--json"]).scenario, "quiet");
  assert.equal(parseArgs(["--swarm", "5", "--hosts", "8", "--calls", "100", "--no-report"]).swarm, 5);
  assert.equal(
    parseArgs(["--search", "5", "--hosts", "4", "--rate", "500", "--planted-bug", "stale-reply-to-oldest"]).search,
    5,
  );
  assert.equal(parseArgs(["--seed", "1", "--rate", "500", "--faults", "heavy", "--trace", "t.log"]).rate, 500);
});
