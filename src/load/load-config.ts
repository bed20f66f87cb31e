/**
 * The configuration of one load process (spec/load.md, "Options"): what
 * `npm run load` parses its command line into (src/cli/load-options.ts) and the modes
 * run with. Types only.
 */
import type { SizeSpec } from "./message-sizes.js";
import type { ProgressState } from "./progress.js";

export const MODES = ["rpc-server", "rpc-client", "notify-server", "notify-client"] as const;
export type LoadMode = (typeof MODES)[number];

export interface LoadConfig {
  mode: LoadMode;
  url: string;
  topic: string;
  exchange?: string;
  /** Servers: their name; rpc-client: the one server to call. */
  server?: string;
  /** notify-server: the pool to listen in. */
  pool?: string;
  json: boolean;
  concurrency: number;
  /** Messages to send; undefined with a duration. */
  count?: number;
  durationMs?: number;
  timeoutMs: number;
  sizes: SizeSpec;
  seed: number;
  settleMs: number;
  svg?: string;
  progress: boolean;
  cast: boolean;
  fanout: boolean;
}

/** What a client mode needs besides its configuration. */
export interface ClientHooks {
  /** Progress every tickMs, when wanted. */
  progress?: { tickMs: number; report(s: ProgressState): void };
  /** Told when sending is over and the client asks the servers for their counts. */
  onCounting?(): void;
  /** True once the run must end early (the loop sends nothing more; the report still comes). */
  stopped?(): boolean;
}
