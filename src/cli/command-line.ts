/**
 * Shared plumbing of the command-line programs (the simulator's `npm run sim`, the Redis
 * matchmaker's `npm run matchmaker`, the demo and the benchmarks): their arguments and
 * their end.
 *
 * Arguments: each program calls `node:util` `parseArgs` itself, in strict mode with
 * `tokens: true`, so its option values stay typed; this module turns parseArgs' errors
 * into short messages that name the option, reads which options were given, checks
 * integer values, and gives the small scripts their --help.
 *
 * End: on Linux, Node writes to a pipe asynchronously: a write that does not fit in the
 * pipe (64 KiB) is queued in the process, and `process.exit()` discards the queue. A
 * program that printed a large JSON object and exited at once would hand `| wc -c`
 * exactly 65536 bytes. exitWhenFlushed waits until stdout and stderr have handed
 * everything to the operating system first. (Files and terminals are written
 * synchronously; waiting costs nothing there.)
 */
import type { parseArgs } from "node:util";

/** A mistake on the command line: the program prints the message (and its usage) and exits 2. */
export class UsageError extends Error {}

/** Why an error code of parseArgs arose, in the words of these programs. */
function explain(code: string, message: string): string {
  const named = /'([^' ]+)/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${named ?? message}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${named ?? message}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(message)) return `${named} takes no value`;
      if (/ambiguous/.test(message))
        return `${named} needs a value (a value starting with "-" is written ${named}=<value>)`;
      return `${named} needs a value`;
    default:
      return message;
  }
}

/**
 * Runs `parse` (a call of parseArgs) and rethrows its errors as UsageError with a message
 * that names the option: "unknown option --x", "--hosts needs a value".
 */
export function parseCommandLine<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_"))
      throw new UsageError(explain(code, (err as Error).message));
    throw err;
  }
}

type Token = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];

/** Names of the options present on the command line (long names, without dashes), in order of appearance. */
export function givenOptions(tokens: readonly Token[] | undefined): string[] {
  return (tokens ?? []).flatMap((t) => (t.kind === "option" ? [t.name] : []));
}

/** `value` as an integer >= min, undefined when absent; `name` ("--hosts", "hosts") names it in the error. */
export function intOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${name} needs an integer >= ${min}, got ${value}`);
  return n;
}

/**
 * For scripts with few options: runs `parse` (a call of parseArgs with a `help` option);
 * on --help prints `usage` and exits 0, on a mistake prints it and exits 2. Also makes a
 * reader that goes away end the script quietly (exitQuietlyWhenStdoutCloses).
 */
export async function parseOrExit<T extends { values: { help?: boolean | undefined } }>(
  parse: () => T,
  usage: string,
): Promise<T> {
  exitQuietlyWhenStdoutCloses();
  try {
    const parsed = parseCommandLine(parse);
    if (!parsed.values.help) return parsed;
    process.stdout.write(usage);
    return await exitWhenFlushed(0);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${usage}`);
    return await exitWhenFlushed(2);
  }
}

/** Resolves once everything written to `stream` so far has been flushed (or the stream failed). */
export function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    // Writes complete in order, so an empty write's callback runs after every earlier one.
    if (!stream.writable) resolve();
    else stream.write("", () => resolve());
  });
}

/**
 * Ends the program quietly (status 0, or the one already set) when its reader goes away
 * (`| head`): the next write to stdout fails with EPIPE, which would otherwise surface as
 * an unhandled 'error' event with a stack trace. Call once, at start.
 */
export function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit();
  });
}

/**
 * Exits with `code` once stdout and stderr are flushed. `process.exit` rather than
 * letting the event loop run dry: a program with a connection or a worker still open
 * would otherwise not end.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
