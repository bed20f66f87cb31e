/**
 * The parameters a load report and its chart show (spec/load.md, "Report"): every option
 * that shapes the run, never the URL (shown on its own, redacted). Pure.
 */
import type { LoadConfig } from "./load-config.js";

export type ReportParams = Record<string, string | number | boolean>;

export function reportParams(c: LoadConfig): ReportParams {
  return {
    topic: c.topic,
    ...(c.exchange !== undefined ? { exchange: c.exchange } : {}),
    ...(c.server !== undefined ? { server: c.server } : {}),
    concurrency: c.concurrency,
    ...(c.count !== undefined ? { count: c.count } : {}),
    ...(c.durationMs !== undefined ? { durationMs: c.durationMs } : {}),
    ...(c.mode === "rpc-client" ? { cast: c.cast, fanout: c.fanout } : {}),
    timeoutMs: c.timeoutMs,
    sizes: c.sizes.kind === "oslo" ? "oslo" : `${c.sizes.bytes}`,
    seed: c.seed,
  };
}
