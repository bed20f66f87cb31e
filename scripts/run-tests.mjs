#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner (through tsx), optionally filtered
// by a path substring: `npm test -- acceptance`. Node 20's --test does not glob .ts files.
//
// Without a filter, test/netns/ is left out: those tests build Linux network namespaces as
// root and run for minutes, so they have their own command, `npm run test:netns` (this
// script with the filter test/netns/ and --serial). A filter selects from every file,
// test/netns/ included. --serial runs one test file at a time.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const NETNS_DIR = join("test", "netns");

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
const args = process.argv.slice(2);
const serial = args.includes("--serial");
const filters = args.filter((a) => a !== "--serial");
const files = walk("test").filter((f) =>
  filters.length === 0 ? !f.startsWith(`${NETNS_DIR}/`) : filters.some((s) => f.includes(s)),
);
if (files.length === 0) {
  console.error(`no test files match ${filters.join(", ")}`);
  process.exitCode = 1;
} else {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", `--test-concurrency=${serial ? 1 : 2}`, "--test-reporter=spec", ...files],
    { stdio: "inherit" },
  );
  process.exitCode = r.status ?? 1;
}
