/**
 * Goal: the layer rules of spec/core.md, spec/ports.md, spec/driver.md, spec/runtime.md and
 * spec/api.md hold in the source, not only in the prose. Method: read every file under src/,
 * blank out comments (and, for name checks, string contents) with a small scanner, collect
 * import specifiers (static, `export ... from`, side-effect, dynamic `import()`, `require`),
 * and check each layer's allowed imports and forbidden names. A failure lists every
 * offending `file:line` and what it found there.
 *
 * The scanner knows comments, quotes, template literals with `${}` and regex literals;
 * its own tests at the end show that it finds a forbidden name in code and ignores the
 * same name in a comment or a string.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

// ---------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------

interface Scanned {
  /** The source with comments replaced by spaces (newlines kept, so lines still match). */
  code: string;
  /** `code` with the contents of string and template literals blanked as well. */
  bare: string;
}

const REGEX_PRECEDERS = new Set([
  "",
  "(",
  ",",
  "=",
  ":",
  "[",
  "!",
  "&",
  "|",
  "?",
  "{",
  "}",
  ";",
  "+",
  "-",
  "*",
  "%",
  "<",
  ">",
  "~",
  "^",
]);
const REGEX_KEYWORDS = /\b(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

function scan(src: string): Scanned {
  const code: string[] = [];
  const bare: string[] = [];
  const blank = (ch: string): string => (ch === "\n" ? "\n" : " ");
  const push = (c: string, b: string): void => {
    code.push(c);
    bare.push(b);
  };
  /** Copies src[i] to code (as it is) and to bare (as `bareCh`), and moves on. */
  const copy = (bareCh: string): void => {
    push(src[i]!, bareCh);
    i++;
  };
  /** For each open template literal, the brace depth of the `${` expression we are in. */
  const templates: number[] = [];
  let i = 0;
  let lastSignificant = "";
  const prefix = (): string => code.join("").trimEnd();
  while (i < src.length) {
    const ch = src[i]!;
    const next = src[i + 1];
    if (ch === "/" && next === "/") {
      while (i < src.length && src[i] !== "\n") {
        push(" ", " ");
        i++;
      }
      continue;
    }
    if (ch === "/" && next === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (; i < stop; i++) push(blank(src[i]!), blank(src[i]!));
      continue;
    }
    if (ch === '"' || ch === "'") {
      push(ch, ch);
      i++;
      while (i < src.length && src[i] !== ch && src[i] !== "\n") {
        if (src[i] === "\\") copy(" ");
        if (i < src.length) copy(blank(src[i]!));
      }
      if (i < src.length) copy(src[i]!);
      lastSignificant = ch;
      continue;
    }
    if (ch === "`" || (ch === "}" && templates.length > 0 && templates[templates.length - 1] === 0)) {
      // Start of a template literal, or the end of a `${...}` expression inside one.
      if (ch === "}") templates.pop();
      push(ch, ch);
      i++;
      while (i < src.length && src[i] !== "`") {
        if (src[i] === "\\") {
          copy(" ");
          if (i < src.length) copy(blank(src[i]!));
          continue;
        }
        if (src[i] === "$" && src[i + 1] === "{") {
          push("${", "${");
          i += 2;
          templates.push(0);
          break;
        }
        copy(blank(src[i]!));
      }
      if (src[i] === "`") {
        push("`", "`");
        i++;
      }
      lastSignificant = "`";
      continue;
    }
    if (ch === "/") {
      const before = prefix();
      if (REGEX_PRECEDERS.has(lastSignificant) || REGEX_KEYWORDS.test(before)) {
        // A regex literal: keep it in `code` (it is code), blank its body in `bare`.
        push(ch, ch);
        i++;
        let inClass = false;
        while (i < src.length && src[i] !== "\n") {
          const c = src[i]!;
          if (c === "\\") {
            push(c, " ");
            i++;
            if (i < src.length) copy(" ");
            continue;
          }
          if (c === "[") inClass = true;
          else if (c === "]") inClass = false;
          else if (c === "/" && !inClass) break;
          push(c, " ");
          i++;
        }
        if (src[i] === "/") {
          push("/", "/");
          i++;
        }
        lastSignificant = "/re";
        continue;
      }
    }
    if (templates.length > 0) {
      if (ch === "{") templates[templates.length - 1]!++;
      else if (ch === "}") templates[templates.length - 1]!--;
    }
    push(ch, ch);
    if (!/\s/.test(ch)) lastSignificant = /[\w$]/.test(ch) ? "w" : ch;
    i++;
  }
  return { code: code.join(""), bare: bare.join("") };
}

interface ImportRef {
  specifier: string;
  line: number;
  /** `import type`, `export type`, or a clause whose every name is marked `type`. */
  typeOnly: boolean;
}

/** Every module specifier a (comment-free) source refers to. */
function importsOf(code: string): ImportRef[] {
  const out: ImportRef[] = [];
  const lineAt = (index: number): number => code.slice(0, index).split("\n").length;
  // An import/export clause never holds quotes, `;`, `:`, `=` or parentheses, so this cannot
  // run from one statement into the next.
  const statement = /^[ \t]*(import|export)\b([^"'`;:=()]*?)\bfrom\s*(["'])([^"'\n]+)\3/gm;
  for (const m of code.matchAll(statement)) {
    const clause = m[2]!.trim();
    const names =
      /^\{([^}]*)\}$/
        .exec(clause)?.[1]
        ?.split(",")
        .map((s) => s.trim())
        .filter(Boolean) ?? [];
    const typeOnly = /^type\b/.test(clause) || (names.length > 0 && names.every((n) => n.startsWith("type ")));
    out.push({ specifier: m[4]!, line: lineAt(m.index), typeOnly });
  }
  for (const m of code.matchAll(/^[ \t]*import\s*(["'])([^"'\n]+)\1/gm)) {
    out.push({ specifier: m[2]!, line: lineAt(m.index), typeOnly: false });
  }
  for (const m of code.matchAll(/\b(import|require)\s*\(\s*(["'])([^"'\n]+)\2\s*\)/g)) {
    out.push({ specifier: m[3]!, line: lineAt(m.index), typeOnly: false });
  }
  return out;
}

/** Lines of `bare` on which `pattern` matches, as "line: match". */
function findNames(bare: string, pattern: RegExp): string[] {
  const hits: string[] = [];
  bare.split("\n").forEach((text, n) => {
    const m = new RegExp(pattern.source, pattern.flags.replace("g", "")).exec(text);
    if (m) hits.push(`${n + 1}: ${m[0]}`);
  });
  return hits;
}

// ---------------------------------------------------------------------------------------
// The source tree
// ---------------------------------------------------------------------------------------

interface SourceFile {
  /** Repository-relative posix path, e.g. "src/core/codec.ts". */
  path: string;
  scanned: Scanned;
  imports: (ImportRef & { target: string })[];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/**
 * Where a specifier points: a repository path for relative ones ("src/ports/clock.ts"), the
 * package name for the rest, with "node:" dropped ("crypto", "zeromq", "timers/promises").
 */
function resolveSpecifier(fromPath: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier.replace(/^node:/, "");
  let p = posix.normalize(posix.join(posix.dirname(fromPath), specifier));
  if (p.endsWith(".js")) p = `${p.slice(0, -3)}.ts`;
  else if (!p.endsWith(".ts")) p = existsSync(join(ROOT, `${p}.ts`)) ? `${p}.ts` : posix.join(p, "index.ts");
  return p;
}

const FILES: SourceFile[] = walk(join(ROOT, "src")).map((abs) => {
  const path = relative(ROOT, abs).split("\\").join("/");
  const scanned = scan(readFileSync(abs, "utf8"));
  const imports = importsOf(scanned.code).map((r) => ({ ...r, target: resolveSpecifier(path, r.specifier) }));
  return { path, scanned, imports };
});
const BY_PATH = new Map(FILES.map((f) => [f.path, f]));

const under =
  (dir: string) =>
  (f: { path: string }): boolean =>
    f.path.startsWith(`${dir}/`);
const isLocal = (target: string): boolean => target.startsWith("src/");
const filesUnder = (...dirs: string[]): SourceFile[] => FILES.filter((f) => dirs.some((d) => under(d)(f)));

/** The real libraries: only the real shell (and the Redis matchmaker for ioredis) loads them. */
const REAL_LIBRARIES = ["zeromq", "ioredis", "crypto", "perf_hooks", "timers", "timers/promises", "worker_threads"];

/** Names through which code reads the time, arms timers or draws randomness itself. */
const EFFECT_NAMES =
  /\b(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|clearImmediate|Date\.now|new\s+Date\b|performance\.now|process\.hrtime|Math\.random|crypto\.(randomUUID|getRandomValues|randomBytes))\b/;

/** `file:line importing 'specifier'` for every import of `files` that `bad` rejects. */
function badImports(files: SourceFile[], bad: (target: string, file: SourceFile) => boolean): string[] {
  return files.flatMap((f) =>
    f.imports.filter((r) => bad(r.target, f)).map((r) => `${f.path}:${r.line} imports "${r.specifier}"`),
  );
}

function badNames(files: SourceFile[], pattern: RegExp): string[] {
  return files.flatMap((f) => findNames(f.scanned.bare, pattern).map((hit) => `${f.path}:${hit}`));
}

/** Programs and barrels: entry points above every layer, wherever their file sits. */
const ENTRY_POINTS: ReadonlySet<string> = new Set([
  "src/index.ts",
  "src/internal.ts",
  "src/matchmaker/redis/cli.ts",
  "src/matchmaker/redis/top.ts",
]);

/** A graph of directories: each directory's imported directories, each with one `file:line` that shows the edge. */
type DirGraph = Map<string, Map<string, string>>;

/**
 * The directories an import of `path` reaches: its own directory, or for a file directly
 * under src/ (errors.ts, options.ts: in no directory) the directories its imports reach.
 */
function reachedDirectories(path: string, seen: Set<string> = new Set()): string[] {
  const dir = posix.dirname(path);
  if (dir !== "src") return [dir];
  if (seen.has(path)) return [];
  seen.add(path);
  return (BY_PATH.get(path)?.imports ?? [])
    .filter((r) => isLocal(r.target))
    .flatMap((r) => reachedDirectories(r.target, seen));
}

/** Directory-level imports of src/ (type-only ones included), entry points left out. */
function directoryGraph(): DirGraph {
  const graph: DirGraph = new Map();
  for (const f of FILES) {
    const from = posix.dirname(f.path);
    if (from === "src" || ENTRY_POINTS.has(f.path)) continue;
    for (const r of f.imports) {
      if (!isLocal(r.target)) continue;
      for (const to of reachedDirectories(r.target)) {
        if (to === from) continue;
        const edges = graph.get(from) ?? new Map<string, string>();
        graph.set(from, edges);
        if (!edges.has(to))
          edges.set(to, `${f.path}:${r.line}${posix.dirname(r.target) === "src" ? ` via ${r.target}` : ""}`);
      }
    }
  }
  return graph;
}

/** Every cycle of `graph`, once each, as "a -> b (file:line) -> a (file:line)". */
function findCycles(graph: DirGraph): string[] {
  const cycles = new Map<string, string>();
  for (const [start, edges] of graph) {
    for (const first of edges.keys()) {
      // Breadth-first from `first` back to `start`: the shortest way round through this edge.
      const back = new Map<string, string>([[first, start]]);
      const queue = [first];
      while (queue.length > 0 && !back.has(start)) {
        const at = queue.shift()!;
        for (const next of graph.get(at)?.keys() ?? []) {
          if (back.has(next)) continue;
          back.set(next, at);
          queue.push(next);
        }
      }
      if (!back.has(start)) continue;
      const ring: string[] = [start];
      for (let at = back.get(start)!; at !== start; at = back.get(at)!) ring.unshift(at);
      ring.unshift(start);
      const hops = ring.slice(1).map((to, i) => `${to} (${graph.get(ring[i]!)!.get(to)})`);
      const key = [...new Set(ring)].sort().join(" ");
      if (!cycles.has(key)) cycles.set(key, `${start} -> ${hops.join(" -> ")}`);
    }
  }
  return [...cycles.values()];
}

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

test("layering - every layer directory has files to check (the rules below are not vacuous)", () => {
  for (const dir of ["src/core", "src/ports", "src/driver", "src/pool", "src/runtime", "src/api"]) {
    assert.ok(filesUnder(dir).length > 0, `${dir} has no .ts files`);
  }
  assert.ok(
    FILES.some((f) => f.imports.some((r) => r.target === "zeromq")),
    "the scanner finds the zeromq import of the real shell",
  );
});

test("layering - src/core imports only src/core and src/errors.ts, and no package", () => {
  const core = filesUnder("src/core");
  assert.deepEqual(
    badImports(core, (t) => !(t.startsWith("src/core/") || t === "src/errors.ts")),
    [],
  );
});

test("layering - src/core has no timers, clock reads, randomness, nextTick, crypto or real libraries in its code", () => {
  const forbidden = new RegExp(
    `${EFFECT_NAMES.source}|\\b(process\\.nextTick|queueMicrotask|crypto|zeromq|ioredis|require)\\b`,
  );
  assert.deepEqual(badNames(filesUnder("src/core"), forbidden), []);
});

test("layering - src/core is synchronous: no async, await or Promise in its code", () => {
  assert.deepEqual(badNames(filesUnder("src/core"), /\b(async|await|Promise)\b/), []);
});

test("layering - src/ports imports only src/ports, src/core and src/errors.ts (nothing from driver, pool, runtime, api, matchmaker), and no package", () => {
  const ok = (t: string): boolean => t.startsWith("src/ports/") || t.startsWith("src/core/") || t === "src/errors.ts";
  assert.deepEqual(
    badImports(filesUnder("src/ports"), (t) => !ok(t)),
    [],
  );
});

/** The one helper class of src/ports: a single timer over the Clock port (spec/ports.md, rule 1). */
const PORT_HELPER_CLASSES: ReadonlySet<string> = new Set(["WakeTimer"]);

test("layering - src/ports holds interfaces, types, error classes and helpers: no other class, no module state, no timers or randomness of its own", () => {
  const ports = filesUnder("src/ports");
  const classes = ports.flatMap((f) =>
    [...f.scanned.bare.matchAll(/\bclass\s+(\w+)(\s+extends\s+(\w+))?/g)]
      .filter((m) => !/Error$/.test(m[3] ?? "") && !PORT_HELPER_CLASSES.has(m[1]!))
      .map((m) => `${f.path}: class ${m[1]} is neither an error class nor a port helper`),
  );
  assert.deepEqual(classes, []);
  assert.deepEqual(badNames(ports, /^(export\s+)?(let|var)\s/), []);
  assert.deepEqual(badNames(ports, EFFECT_NAMES), []);
});

test("layering - src/driver and src/pool import no real library (zeromq, ioredis, node:crypto, node:perf_hooks, node:timers) and nothing from src/runtime or src/api", () => {
  const bad = (t: string): boolean =>
    REAL_LIBRARIES.includes(t) || t.startsWith("src/runtime/") || t.startsWith("src/api/");
  assert.deepEqual(badImports(filesUnder("src/driver", "src/pool"), bad), []);
});

test("layering - src/driver and src/pool never arm Node timers, read Date.now or performance.now, or call Math.random (they use the Clock and Rng ports)", () => {
  assert.deepEqual(badNames(filesUnder("src/driver", "src/pool"), EFFECT_NAMES), []);
});

test("layering - zeromq and node:crypto/perf_hooks/timers are imported only under src/runtime, ioredis only under src/matchmaker/redis", () => {
  const allowed: Record<string, string> = {
    zeromq: "src/runtime",
    crypto: "src/runtime",
    perf_hooks: "src/runtime",
    timers: "src/runtime",
    "timers/promises": "src/runtime",
    worker_threads: "src/runtime",
    ioredis: "src/matchmaker/redis",
  };
  assert.deepEqual(
    badImports(FILES, (t, f) => t in allowed && !under(allowed[t]!)(f)),
    [],
  );
});

test("layering - src/runtime is imported only by src/api/transport.ts and src/api/process-matchmaker.ts (which wire the real shell), src/matchmaker/redis and the internal barrel", () => {
  const mayImport = (f: SourceFile): boolean =>
    under("src/runtime")(f) ||
    f.path === "src/api/transport.ts" ||
    f.path === "src/api/process-matchmaker.ts" ||
    under("src/matchmaker/redis")(f) ||
    f.path === "src/internal.ts";
  assert.deepEqual(
    badImports(FILES, (t, f) => t.startsWith("src/runtime/") && !mayImport(f)),
    [],
  );
});

test("layering - Node timers, Date.now, performance.now and Math.random appear in code only under src/runtime", () => {
  assert.deepEqual(
    badNames(
      FILES.filter((f) => !under("src/runtime")(f)),
      EFFECT_NAMES,
    ),
    [],
  );
});

test("layering - loading src/core, src/ports, src/driver or src/pool (following value imports) loads no real library and no file of src/runtime or src/api", () => {
  const seen = new Set<string>();
  const problems: string[] = [];
  const visit = (path: string, via: string[]): void => {
    if (seen.has(path)) return;
    seen.add(path);
    const f = BY_PATH.get(path);
    if (!f) {
      problems.push(`${via.join(" -> ")} -> ${path}: no such file`);
      return;
    }
    for (const r of f.imports) {
      if (r.typeOnly) continue;
      const chain = [...via, path];
      if (!isLocal(r.target)) {
        if (REAL_LIBRARIES.includes(r.target)) problems.push(`${chain.join(" -> ")} loads "${r.specifier}"`);
        continue;
      }
      if (r.target.startsWith("src/runtime/") || r.target.startsWith("src/api/"))
        problems.push(`${chain.join(" -> ")} -> ${r.target}`);
      else visit(r.target, chain);
    }
  };
  for (const f of filesUnder("src/core", "src/ports", "src/driver", "src/pool")) visit(f.path, []);
  assert.deepEqual(problems, []);
  assert.ok(
    seen.has("src/errors.ts") && seen.has("src/pool/send-queue.ts"),
    "the walk follows imports across files and out of the layers",
  );
});

test("layering - no import cycle between directories of src/ (type-only imports count; a file directly under src/ passes its imports on; entry points are left out)", () => {
  const graph = directoryGraph();
  assert.ok(graph.get("src/driver")?.has("src/pool"), "the graph holds the driver's imports of the pool");
  assert.deepEqual(findCycles(graph), []);
});

test("layering - module-level mutable state exists only in src/api/process-matchmaker.ts (the process-wide in-process matchmakers)", () => {
  // A collection typed Readonly* (a constant lookup set) is not state.
  const state =
    /^(export\s+)?(let|var)\s|^(export\s+)?const\s+\w+(\s*:(?!\s*Readonly)[^=]+)?\s*=\s*(new\s+(Map|Set|WeakMap|WeakSet|Array)\b|\[\]|\{\s*\})/;
  assert.deepEqual(
    badNames(
      FILES.filter((f) => f.path !== "src/api/process-matchmaker.ts"),
      state,
    ),
    [],
  );
});

test("layering - src/load (the load tool, spec/load.md) is built on the API: it imports only src/load, src/api, src/core, src/ports and src/errors.ts, and no real library", () => {
  const ok = (t: string): boolean =>
    ["src/load/", "src/api/", "src/core/", "src/ports/"].some((d) => t.startsWith(d)) || t === "src/errors.ts";
  const load = filesUnder("src/load");
  assert.ok(load.length > 0, "src/load has files to check");
  assert.deepEqual(
    badImports(load, (t) => (isLocal(t) ? !ok(t) : REAL_LIBRARIES.includes(t))),
    [],
  );
});

test("layering - src/cli (the command-line programs, spec/cli.md) imports only src/cli, src/api, src/index.ts, src/load, src/core and node: modules, and no real library", () => {
  const ok = (t: string): boolean =>
    ["src/cli/", "src/api/", "src/load/", "src/core/"].some((d) => t.startsWith(d)) || t === "src/index.ts";
  const cli = filesUnder("src/cli");
  assert.ok(cli.length > 0, "src/cli has files to check");
  assert.deepEqual(
    badImports(cli, (t) => (isLocal(t) ? !ok(t) : REAL_LIBRARIES.includes(t))),
    [],
  );
});

test("layering - each layer diagram that maps its files (uml/core.mmd, uml/cli.mmd) names every file of its source directory", () => {
  const missing: string[] = [];
  for (const layer of ["core", "cli"]) {
    const diagram = readFileSync(join(ROOT, "uml", `${layer}.mmd`), "utf8");
    for (const f of filesUnder(`src/${layer}`)) {
      const name = posix.basename(f.path);
      if (!diagram.includes(name)) missing.push(`uml/${layer}.mmd does not name ${name}`);
    }
  }
  assert.deepEqual(missing, []);
});

test("layering - each layer spec (spec/<layer>.md) names every file of its source directory", () => {
  const missing: string[] = [];
  for (const layer of ["api", "core", "driver", "ports", "runtime", "load", "cli"]) {
    const spec = readFileSync(join(ROOT, "spec", `${layer}.md`), "utf8");
    for (const f of filesUnder(`src/${layer}`)) {
      const name = posix.relative(`src/${layer}`, f.path);
      if (!spec.includes(name)) missing.push(`spec/${layer}.md does not name ${name}`);
    }
  }
  assert.deepEqual(missing, []);
});

// ---------------------------------------------------------------------------------------
// The scanner itself
// ---------------------------------------------------------------------------------------

test("layering scanner - a name in code is found; the same name in a comment, a string, a template or a regex is not", () => {
  const src = [
    "// setTimeout(f, 1) in a line comment",
    "/* Math.random() in a block comment */",
    'const a = "Date.now() in a string";',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the scanner's input is source text holding a template literal
    "const b = `performance.now() ${n + 1} in a template`;",
    "const r = /setTimeout/;",
    "const t = setTimeout(f, 1);",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the scanner's input is source text holding a template literal
    "const u = `x ${Math.random()} y`;",
  ].join("\n");
  const { bare } = scan(src);
  assert.deepEqual(findNames(bare, EFFECT_NAMES), ["6: setTimeout", "7: Math.random"]);
});

test("layering scanner - static, multi-line, re-export, side-effect, dynamic and require imports are read; type-only ones are marked", () => {
  const src = [
    'import { a } from "./a.js";',
    "import {",
    "  b,",
    "  c,",
    '} from "../b.js";',
    'import type { T } from "./t.js";',
    'import { type U, type V } from "./u.js";',
    'import { type W, x } from "./w.js";',
    'export * from "./e.js";',
    'import "./side.js";',
    'const m = await import("zeromq");',
    'const r = require("node:crypto");',
    '// import { z } from "./commented.js";',
    "const s = \"import { q } from './in-string.js'\";",
  ].join("\n");
  const refs = importsOf(scan(src).code).map((r) => `${r.specifier}${r.typeOnly ? " (type)" : ""}@${r.line}`);
  assert.deepEqual(refs.sort(), [
    "../b.js@2",
    "./a.js@1",
    "./e.js@9",
    "./side.js@10",
    "./t.js (type)@6",
    "./u.js (type)@7",
    "./w.js@8",
    "node:crypto@12",
    "zeromq@11",
  ]);
});

test("layering scanner - findCycles reports each directory cycle once, with the import behind each hop", () => {
  const graph: DirGraph = new Map([
    ["a", new Map([["b", "a.ts:1"]])],
    [
      "b",
      new Map([
        ["c", "b.ts:2"],
        ["a", "b.ts:3"],
      ]),
    ],
    ["c", new Map([["d", "c.ts:4"]])],
  ]);
  assert.deepEqual(findCycles(graph), ["a -> b (a.ts:1) -> a (b.ts:3)"]);
  graph.get("c")!.set("a", "c.ts:5");
  assert.deepEqual(findCycles(graph), ["a -> b (a.ts:1) -> a (b.ts:3)", "b -> c (b.ts:2) -> a (c.ts:5) -> b (a.ts:1)"]);
});

test("layering scanner - specifiers resolve to repository paths (.js -> .ts) and bare package names without node:", () => {
  assert.equal(resolveSpecifier("src/driver/client-engine.ts", "../core/codec.js"), "src/core/codec.ts");
  assert.equal(resolveSpecifier("src/runtime/node/crypto-rng.ts", "node:crypto"), "crypto");
  assert.equal(resolveSpecifier("src/runtime/node/zmq-socket.ts", "zeromq"), "zeromq");
  assert.equal(resolveSpecifier("src/index.ts", "./matchmaker/redis"), "src/matchmaker/redis/index.ts");
});
