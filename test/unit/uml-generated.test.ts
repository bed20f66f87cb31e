/**
 * Goal: the state diagrams under uml/generated/ never drift from the transition tables the
 * code runs on. Method: regenerate every diagram in memory with scripts/gen-uml.ts and
 * compare with the committed files; check the generator itself on small tables.
 * A failure here means: run `npm run uml` (or `npx tsx scripts/gen-uml.ts`) and commit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkGenerated,
  committedDiagrams,
  generatedDiagrams,
  label,
  renderStateDiagram,
  stateIds,
  statesOf,
} from "../../scripts/gen-uml.js";
import { STATE_TABLES, type StateTable } from "../../scripts/state-tables.js";

const toy: StateTable = {
  name: "toy",
  title: "Toy: a table with odd names",
  initial: "idle",
  final: ["done"],
  table: {
    idle: { go: "half-open", stop: "done" },
    "half-open": { ok: "end", fail: "idle", abort: "idle" },
    end: { finish: "done" },
  },
};

test("uml-generated - every committed generated diagram equals what gen-uml produces from its state table", () => {
  assert.deepEqual(checkGenerated(), [], "run `npm run uml` and commit uml/generated/");
});

test("uml-generated - every registered state table has a committed diagram and no diagram lacks a table", () => {
  assert.deepEqual(committedDiagrams(), [...generatedDiagrams().keys()].sort());
  assert.ok(STATE_TABLES.length > 0);
});

test("uml-generated - a diagram has one edge per (from, to) pair carrying all of its events", () => {
  const src = renderStateDiagram(toy);
  assert.match(src, /^ {4}s1_half_open --> idle : fail, abort$/m);
  assert.match(src, /^ {4}idle --> s1_half_open : go$/m);
  assert.match(src, /^ {4}\[\*\] --> idle$/m);
  assert.match(src, /^ {4}done --> \[\*\]$/m);
});

test("uml-generated - names that are not plain identifiers or are Mermaid keywords get an aliased declaration", () => {
  const src = renderStateDiagram(toy);
  assert.match(src, /^ {4}state "half-open" as s1_half_open$/m);
  assert.match(src, /^ {4}state "end" as s2_end$/m);
  assert.deepEqual(statesOf(toy), ["idle", "half-open", "end", "done"]);
});

test("uml-generated - every transition of every registered table appears in its diagram", () => {
  for (const t of STATE_TABLES) {
    const lines = renderStateDiagram(t).split("\n");
    const ids = stateIds(t);
    for (const [from, row] of Object.entries(t.table)) {
      for (const [event, to] of Object.entries(row)) {
        if (to === undefined) continue;
        const edge = lines.find((l) => l.startsWith(`    ${ids.get(from)} --> ${ids.get(to)} : `));
        assert.ok(
          edge?.split(" : ")[1]?.split(", ").includes(label(event)),
          `${t.name}: ${from} --${event}--> ${to} missing`,
        );
      }
    }
  }
});

test("uml-generated - the generator rejects an initial or final state that is not in the table", () => {
  assert.throws(() => renderStateDiagram({ ...toy, initial: "nowhere" }), /initial state "nowhere"/);
  assert.throws(() => renderStateDiagram({ ...toy, final: ["gone"] }), /final state "gone"/);
  assert.throws(() => renderStateDiagram({ ...toy, name: "Bad Name" }), /must match/);
});

test("uml-generated - two tables with one name are rejected", () => {
  assert.throws(() => generatedDiagrams([toy, toy]), /two state tables are named "toy"/);
});
