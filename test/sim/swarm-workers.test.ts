/**
 * A swarm on worker threads prints exactly what it prints in one thread (per-seed lines in
 * seed order, summary, JSON; wall times aside), and the shards of a sweep, taken in order,
 * make up the whole sweep. The shards' seed blocks partition the sweep.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { shardRange } from "../../sim/cli/swarm.js";

// Small worlds: a worker thread loading the code through tsx costs more than these seeds.
const SWEEP = ["--seed", "1000", "--swarm", "8", "--hosts", "4", "--calls", "50", "--no-report", "--no-progress"];

const outputs = new Map<string, string>();
/** stdout of the sweep with `args` added (each command line runs once). */
function sim(...args: string[]): string {
  const key = args.join(" ");
  let out = outputs.get(key);
  if (out === undefined) {
    const r = spawnSync(process.execPath, ["--import", "tsx", "sim/cli/main.ts", ...SWEEP, ...args], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, `${key}: ${r.stderr}${r.stdout}`);
    out = r.stdout;
    outputs.set(key, out);
  }
  return out;
}

/** The JSON summary without its wall time. */
function json(stdout: string): Record<string, unknown> {
  const { wallMs, ...rest } = JSON.parse(stdout) as Record<string, unknown>;
  assert.equal(typeof wallMs, "number");
  return rest;
}

const withoutWallTimes = (text: string): string => text.replace(/ {2}\d+ ms {2}/g, "  _ ms  ");
const seedLines = (text: string): string[] =>
  text
    .split("\n")
    .filter((l) => /^seed \d+ {2}hosts/.test(l))
    .map(withoutWallTimes);

describe("sim swarm on worker threads", () => {
  it("shards are contiguous blocks that cover the sweep once, in order, within one seed of each other in size", () => {
    for (const total of [0, 1, 7, 8, 10_000])
      for (const count of [1, 2, 3, 4, 9]) {
        const blocks = Array.from({ length: count }, (_, i) => shardRange(total, { index: i + 1, count }));
        assert.equal(blocks[0]!.from, 0);
        assert.equal(blocks[count - 1]!.to, total);
        for (let i = 1; i < count; i++) assert.equal(blocks[i]!.from, blocks[i - 1]!.to);
        const sizes = blocks.map((b) => b.to - b.from);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${total}/${count}: ${sizes}`);
      }
    assert.deepEqual(shardRange(8, undefined), { from: 0, to: 8 });
  });

  it("--workers 2 prints the same lines and the same JSON as --workers 1", () => {
    const one = sim("--workers", "1");
    const two = sim("--workers", "2");
    assert.equal(one.split("\n").length, 8 + 3, one); // seed line, 8 seeds, summary, final newline
    assert.equal(withoutWallTimes(two), withoutWallTimes(one));
    assert.deepEqual(
      seedLines(one).map((l) => Number(l.split(" ")[1])),
      [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007],
    );
    assert.deepEqual(json(sim("--workers", "2", "--json")), json(sim("--workers", "1", "--json")));
  });

  it("shards 1/2 and 2/2 together are the whole sweep: the same runs and seed lines, in order, and the same totals", () => {
    const whole = json(sim("--workers", "1", "--json"));
    const a = json(sim("--workers", "1", "--shard", "1/2", "--json"));
    const b = json(sim("--workers", "1", "--shard", "2/2", "--json"));
    assert.deepEqual(a.shard, { index: 1, count: 2, seed: 1000, swarm: 8 });
    assert.deepEqual([a.seed, a.swarm, b.seed, b.swarm], [1000, 4, 1004, 4]);
    assert.deepEqual([...(a.runs as unknown[]), ...(b.runs as unknown[])], whole.runs);
    assert.deepEqual([...(a.violations as unknown[]), ...(b.violations as unknown[])], whole.violations);
    for (const k of ["hosts", "calls"]) assert.equal((a[k] as number) + (b[k] as number), whole[k], k);
    const settled = (j: Record<string, unknown>) => j.settled as Record<string, number>;
    for (const k of ["replied", "timedOut", "failed"])
      assert.equal(settled(a)[k]! + settled(b)[k]!, settled(whole)[k], k);
    const textB = sim("--workers", "2", "--shard", "2/2");
    assert.match(textB, /\nswarm: shard 2\/2: 4 of 8 seeds from 1000, 1004\.\.1007, 0 with violations\n$/);
    assert.deepEqual(seedLines(textB), seedLines(sim("--workers", "1")).slice(4));
  });
});
