/**
 * Which server executed which request: written by the simulated endpoint (the application
 * code behind the driver), one entry per handler invocation. Requests carry their log
 * index as an argument, so a handler run can be matched to its request without trusting
 * anything the driver reports.
 */
export class ExecLog {
  /** Handler runs per request index (saturating at 255). */
  readonly runs: Uint8Array;
  /** For fanouts: the hosts whose server ran the request, in order. */
  readonly fanoutHosts = new Map<number, number[]>();
  total = 0;
  /** Runs for an index the workload never issued (a forged or corrupted request). */
  unknown = 0;

  constructor(
    capacity: number,
    private readonly isFanout: (n: number) => boolean,
    private readonly issued: () => number,
  ) {
    this.runs = new Uint8Array(capacity);
  }

  executed(n: number, host: number): void {
    this.total++;
    if (!Number.isInteger(n) || n < 0 || n >= this.issued()) {
      this.unknown++;
      return;
    }
    if (this.runs[n]! < 255) this.runs[n]!++;
    if (this.isFanout(n)) {
      let hosts = this.fanoutHosts.get(n);
      if (!hosts) {
        hosts = [];
        this.fanoutHosts.set(n, hosts);
      }
      hosts.push(host);
    }
  }
}
