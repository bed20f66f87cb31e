/**
 * Runs a program with its stdout on a real pipe (64 KiB on Linux) to a slow reader: the
 * reader takes the first byte, waits a second, then reads the rest. A program that ends
 * with output still queued for the pipe loses it; one that waits for the pipe to drain
 * delivers all of it.
 *
 * Node's own child processes get a socket pair, whose buffer is larger than most outputs,
 * and spawnSync reads it at once, so they would not show the loss: hence `sh` with `|`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The reader: first byte, a second's pause (the writer runs on meanwhile), then the rest,
// all with blocking reads of fd 0; what it read goes to the file argv[1].
const READER = `
const fs = require("node:fs");
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const buf = Buffer.alloc(1 << 16);
const chunks = [];
const read = (len) => {
  for (;;) {
    try { return fs.readSync(0, buf, 0, len, null); }
    catch (e) { if (e.code !== "EAGAIN") throw e; pause(5); }
  }
};
let n = read(1);
if (n > 0) chunks.push(Buffer.from(buf.subarray(0, n)));
pause(1000);
while ((n = read(buf.length)) > 0) chunks.push(Buffer.from(buf.subarray(0, n)));
fs.writeFileSync(process.argv[1], Buffer.concat(chunks));
`;

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `argv` (argv[0] the executable) as `argv | slow reader`; returns the bytes the reader got. */
export function throughSlowPipe(argv: readonly string[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "slow-pipe-"));
  try {
    const out = join(dir, "out");
    const command = `${argv.map(quote).join(" ")} | ${quote(process.execPath)} -e ${quote(READER)} ${quote(out)}`;
    const r = spawnSync("sh", ["-c", command], { encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) throw new Error(`sh -c ${command}: exit ${r.status}\n${r.stderr}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
