/**
 * What happened to every notification of a run, recorded from outside the driver: the
 * workload writes each publication (publisher, topic, the pools the cluster's matchmaker
 * listed at that instant and their member processes) and how its info() settled; the
 * simulated listener endpoint writes each call it gets (which process, which pool, its
 * topic, whether it asked for the notification again). The notification checkers
 * (sim/checkers/notifications.ts) judge these rows only.
 */

/** How a publication settled. */
export const NOTIFY_OUTCOME = { open: 0, resolved: 1, rejected: 2, abandoned: 3 } as const;

export interface Publication {
  host: number;
  incarnation: number;
  topic: number;
  atUs: number;
  /** Pool identity -> member processes (serverKey) registered when it was published. */
  pools: Map<string, number[]>;
  outcome: number;
  /** The rejection's error code, when rejected. */
  error: string | undefined;
}

export interface EndpointCall {
  n: number;
  pool: string;
  host: number;
  incarnation: number;
  /** The listener's notification topic. */
  topic: number;
  requeue: boolean;
  atUs: number;
}

export class NotifyLog {
  readonly published: Publication[] = [];
  readonly calls: EndpointCall[] = [];
  /** Listener address -> the process (serverKey) and pool identity behind it. */
  readonly listeners = new Map<string, { key: number; pool: string }>();
  open = 0;

  publish(p: Omit<Publication, "outcome" | "error">): number {
    this.published.push({ ...p, outcome: NOTIFY_OUTCOME.open, error: undefined });
    this.open++;
    return this.published.length - 1;
  }

  settle(n: number, outcome: 1 | 2 | 3, error?: string): void {
    const p = this.published[n]!;
    if (p.outcome !== NOTIFY_OUTCOME.open) return;
    p.outcome = outcome;
    p.error = error;
    this.open--;
  }

  /** A publisher process died: its open publications will never settle. */
  abandon(host: number, incarnation: number): void {
    this.published.forEach((p, n) => {
      if (p.host === host && p.incarnation === incarnation) this.settle(n, NOTIFY_OUTCOME.abandoned);
    });
  }

  called(c: EndpointCall): void {
    this.calls.push(c);
  }
}
