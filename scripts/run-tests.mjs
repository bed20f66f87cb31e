#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner (through tsx), optionally filtered
// by a path substring: `npm test -- acceptance`. Node 20's --test does not glob .ts files.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

// The exit status is set, not forced with process.exit(), which would drop output still
// queued for a pipe.
const filters = process.argv.slice(2);
const files = walk("test").filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(", ")}`);
  process.exitCode = 1;
} else {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files],
    { stdio: "inherit" },
  );
  process.exitCode = r.status ?? 1;
}
