/**
 * Ending a command-line program without losing its output.
 *
 * On Linux, Node writes to a pipe asynchronously: a write that does not fit in the pipe
 * (64 KiB) is queued in the process, and `process.exit()` discards the queue. A program
 * that prints a large JSON object and exits at once would hand `| wc -c` exactly 65536
 * bytes. These helpers wait until stdout and stderr have handed everything to the
 * operating system first. (Files and terminals are written synchronously; waiting costs
 * nothing there.)
 */

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
