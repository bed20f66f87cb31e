/**
 * `npm run keys`: prints a fresh CURVE key pair for DriverOptions.curve (spec/security.md,
 * "Keys"). The secret key is for one process (or one service) only: keep it where the
 * service's other secrets are, and publish nothing but the public key (servers publish
 * theirs in the matchmaker themselves; clients' public keys go into the servers'
 * curve.allowedClientKeys). Nothing is written to disk.
 *
 *   npm run keys                 public-key=... and secret-key=... lines
 *   npm run keys -- --json       {"publicKey": "...", "secretKey": "..."}
 *   npm run keys -- --count 3    three pairs
 */
import { parseArgs } from "node:util";
import { generateCurveKeyPair } from "../index.js";
import { exitWhenFlushed, intOption, parseOrExit, UsageError } from "./command-line.js";

const USAGE = `usage: npm run keys -- [--json] [--count N]

Prints a fresh CURVE key pair (Z85, 40 characters each) for DriverOptions.curve:
  curve: { publicKey, secretKey, allowedClientKeys? }
Keep the secret key secret; give the public key to the peers that need it.

  --json       one JSON object per pair: {"publicKey": "...", "secretKey": "..."}
  --count <n>  print <n> pairs (default 1)
  -h, --help   this help
`;

const { values } = await parseOrExit(
  () =>
    parseArgs({
      args: process.argv.slice(2),
      options: { json: { type: "boolean" }, count: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }),
  USAGE,
);
const count = await countOrExit(values.count);
for (let i = 0; i < count; i++) {
  const pair = generateCurveKeyPair();
  process.stdout.write(
    values.json
      ? `${JSON.stringify(pair)}\n`
      : `${i > 0 ? "\n" : ""}public-key=${pair.publicKey}\nsecret-key=${pair.secretKey}\n`,
  );
}
await exitWhenFlushed(0);

/** --count as an integer >= 1 (1 when absent); a bad one prints the usage and exits 2. */
async function countOrExit(value: string | undefined): Promise<number> {
  try {
    return intOption("--count", value, 1) ?? 1;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}`);
    return await exitWhenFlushed(2);
  }
}
