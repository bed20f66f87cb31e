/**
 * Which server executed which request, and when: written by the simulated endpoint (the
 * application code behind the driver), one row per handler invocation. Requests carry
 * their log index as an argument, so a handler run can be matched to its request without
 * trusting anything the driver reports.
 *
 * A server is one process incarnation of a host (serverKey): a restarted server has a
 * fresh memory, so "at most once per server" is judged per incarnation. Runs are recorded
 * as rows of typed arrays (columns.ts) and grouped per server only when a checker asks.
 */
import { Columns } from "./columns.js";

/** One server process: host and incarnation in one number. */
export function serverKey(host: number, incarnation: number): number {
  return host * 1_000_000 + incarnation;
}

export function serverOf(key: number): { host: number; incarnation: number } {
  return { host: Math.floor(key / 1_000_000), incarnation: key % 1_000_000 };
}

/** The handler runs of one server process, in the order they started. */
export interface ServerRuns {
  readonly n: number[];
  readonly atUs: number[];
}

export class ExecLog {
  /** Handler runs per request index (saturating at 255). */
  readonly runs: Uint8Array;
  /** For fanouts: the hosts whose server ran the request, in order. */
  readonly fanoutHosts = new Map<number, number[]>();
  /** Every handler run in start order: request, server process, virtual time. */
  private readonly rows = new Columns(3);
  private grouped: Map<number, ServerRuns> | undefined;
  total = 0;
  /** Runs for an index the workload never issued (a forged or corrupted request). */
  unknown = 0;

  constructor(
    capacity: number,
    private readonly isFanout: (n: number) => boolean,
    private readonly issued: () => number,
    private readonly nowUs: () => number,
  ) {
    this.runs = new Uint8Array(capacity);
  }

  executed(n: number, host: number, incarnation: number): void {
    this.total++;
    if (!Number.isInteger(n) || n < 0 || n >= this.issued()) {
      this.unknown++;
      return;
    }
    if (this.runs[n]! < 255) this.runs[n]!++;
    this.rows.push(n, serverKey(host, incarnation), this.nowUs());
    this.grouped = undefined;
    if (this.isFanout(n)) {
      let hosts = this.fanoutHosts.get(n);
      if (!hosts) {
        hosts = [];
        this.fanoutHosts.set(n, hosts);
      }
      hosts.push(host);
    }
  }

  /** Every handler run per server process, in start order (built once after the runs, for the checkers). */
  get byServer(): Map<number, ServerRuns> {
    if (this.grouped) return this.grouped;
    const g = new Map<number, ServerRuns>();
    const n = this.rows.column(0);
    const key = this.rows.column(1);
    const at = this.rows.column(2);
    for (let i = 0; i < n.length; i++) {
      let runs = g.get(key[i]!);
      if (!runs) {
        runs = { n: [], atUs: [] };
        g.set(key[i]!, runs);
      }
      runs.n.push(n[i]!);
      runs.atUs.push(at[i]!);
    }
    this.grouped = g;
    return g;
  }
}
