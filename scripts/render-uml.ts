/**
 * `npm run uml`: regenerates uml/generated/*.state.mmd from the transition tables
 * (scripts/gen-uml.ts), then renders every uml/**\/*.mmd to SVG under uml/out/ (gitignored),
 * keeping the directory layout: uml/generated/<name>.state.mmd -> uml/out/generated/<name>.state.svg.
 *
 * One headless chromium is launched for the whole run (mermaid-cli's `renderMermaid` takes
 * a browser; `mmdc` would launch one per file) and RENDER_PARALLEL pages render at once.
 * The browser comes from uml/puppeteer-config.json (Debian's /usr/bin/chromium; puppeteer's
 * own download is skipped in CI), so the same file works for a manual
 * `npx mmdc -p uml/puppeteer-config.json -i uml/<name>.mmd -o <name>.svg`.
 *
 * A diagram fails when Mermaid throws (syntax error) or its SVG is Mermaid's error picture;
 * every diagram is attempted, then the run exits 1 naming each failed file.
 *
 * Usage: tsx scripts/render-uml.ts [path-substring ...]   (filters which files render)
 * UML_CHECK=1 fails the run when a generated diagram had to be rewritten (for CI, where
 * this script runs before the tests and would otherwise hide a stale committed diagram).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { renderMermaid } from "@mermaid-js/mermaid-cli";
import { REPO_ROOT, writeGenerated } from "./gen-uml.js";

const UML_DIR = join(REPO_ROOT, "uml");
const OUT_DIR = join(UML_DIR, "out");
const CONFIG = join(UML_DIR, "puppeteer-config.json");
/** Pages rendering at once (CI machines have 2 cores); UML_RENDER_PARALLEL overrides. */
const RENDER_PARALLEL = Math.max(1, Number(process.env.UML_RENDER_PARALLEL) || 2);
/** A diagram that takes longer than this is reported as failed instead of hanging the run. */
const RENDER_TIMEOUT_MS = 60_000;

type Browser = Parameters<typeof renderMermaid>[0] & { close(): Promise<void> };
interface Launcher {
  launch(options: Record<string, unknown>): Promise<Browser>;
}

/** Every .mmd under uml/, except rendered output, sorted. */
export function findDiagrams(dir = UML_DIR): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (p !== OUT_DIR) out.push(...findDiagrams(p));
    } else if (name.endsWith(".mmd")) {
      out.push(p);
    }
  }
  return out;
}

/** puppeteer as mermaid-cli resolves it (it is mermaid-cli's dependency, not ours). */
async function loadPuppeteer(): Promise<Launcher> {
  const req = createRequire(import.meta.url);
  const cli = req.resolve("@mermaid-js/mermaid-cli");
  const entry = createRequire(cli).resolve("puppeteer");
  const mod = (await import(pathToFileURL(entry).href)) as { default?: Launcher } & Launcher;
  return mod.default ?? mod;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function renderOne(browser: Browser, file: string): Promise<string> {
  const definition = readFileSync(file, "utf8");
  const { data } = await withTimeout(
    renderMermaid(browser, definition, "svg", { backgroundColor: "white" }),
    RENDER_TIMEOUT_MS,
    "render",
  );
  const svg = Buffer.from(data).toString("utf8");
  if (!svg.includes("<svg")) throw new Error("mermaid returned no SVG");
  if (svg.includes('aria-roledescription="error"')) throw new Error("mermaid drew its syntax-error picture");
  const out = join(OUT_DIR, relative(UML_DIR, file)).replace(/\.mmd$/, ".svg");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, svg);
  return out;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const gen = writeGenerated();
  for (const p of gen.written) console.log(`uml: regenerated ${p} (commit it)`);
  for (const p of gen.removed) console.log(`uml: removed ${p} (no state table; commit the removal)`);
  if (process.env.UML_CHECK === "1" && gen.written.length + gen.removed.length > 0) {
    // In CI `npm run uml` runs before the tests, so rewriting here would hide a stale
    // committed diagram from test/unit/uml-generated.test.ts; UML_CHECK=1 fails instead.
    console.error("uml: generated diagrams were stale (UML_CHECK=1)");
    process.exitCode = 1; // not process.exit(): it would drop output still queued for a pipe
    return;
  }

  const filters = process.argv.slice(2);
  const files = findDiagrams().filter(
    (f) => filters.length === 0 || filters.some((s) => relative(REPO_ROOT, f).includes(s)),
  );
  if (files.length === 0) {
    console.error(`uml: no diagrams match ${filters.join(", ") || "uml/**/*.mmd"}`);
    process.exitCode = 1;
    return;
  }
  if (filters.length === 0) rmSync(OUT_DIR, { recursive: true, force: true });

  const config = JSON.parse(readFileSync(CONFIG, "utf8")) as Record<string, unknown>;
  const puppeteer = await loadPuppeteer();
  const browser = await puppeteer.launch(config);
  const failures: { file: string; message: string }[] = [];
  try {
    const queue = [...files];
    const worker = async (): Promise<void> => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        const rel = relative(REPO_ROOT, file);
        try {
          const out = await renderOne(browser, file);
          console.log(`uml: ${rel} -> ${relative(REPO_ROOT, out)}`);
        } catch (err) {
          const message = (err instanceof Error ? err.message : String(err)).split("\n").slice(0, 6).join("\n    ");
          failures.push({ file: rel, message });
          console.error(`uml: FAILED ${rel}\n    ${message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RENDER_PARALLEL, files.length) }, worker));
  } finally {
    await browser.close();
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (failures.length > 0) {
    console.error(
      `uml: ${failures.length} of ${files.length} diagram(s) failed to render: ${failures
        .map((f) => f.file)
        .sort()
        .join(", ")}`,
    );
    process.exitCode = 1;
    return;
  }
  console.log(`uml: rendered ${files.length} diagram(s) to ${relative(REPO_ROOT, OUT_DIR)}/ in ${secs} s`);
}

await main();
