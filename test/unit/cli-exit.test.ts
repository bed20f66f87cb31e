/**
 * Goal: a command-line program's output reaches a pipe whole, however large, when it
 * ends through exitWhenFlushed (src/cli/command-line.ts), where process.exit() alone cuts
 * it at the pipe's 64 KiB. Method: a child writes 1 MiB to stdout and ends one way or the other;
 * its stdout is a real pipe to a reader that starts late (test/support/slow-pipe.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { throughSlowPipe } from "../support/slow-pipe.js";

const MIB = 1 << 20;

function child(end: string): string[] {
  const code = `import { exitWhenFlushed } from "./src/cli/command-line.ts";
process.stdout.write("x".repeat(${MIB}));
${end}`;
  return [process.execPath, "--import", "tsx", "--input-type=module", "-e", code];
}

test("cli exit - exitWhenFlushed delivers 1 MiB through a pipe read late", () => {
  assert.equal(throughSlowPipe(child("await exitWhenFlushed(0);")).length, MIB);
});

test("cli exit - process.exit() alone loses what did not fit in the pipe (the failure the helper prevents)", () => {
  const got = throughSlowPipe(child("process.exit(0);")).length;
  assert.ok(got >= 1 && got < MIB, `got ${got} bytes`);
});
