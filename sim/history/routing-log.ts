/**
 * The clients' view of where requests go: which host each client process picked for a
 * call or cast, in which state its circuit breaker held that host then, and every change
 * of a breaker's state (spec/delivery.md, "Host health"). Recorded from outside the core
 * by sim/cluster/driver-observer.ts, which wraps the delivery core's routing table and
 * host health on each transport (as planted bugs do), so the core gains no I/O and no
 * hook. Also, for each fault that cuts servers off, the client sockets connected to each
 * server when it began (ground truth from the simulated sockets).
 *
 * Read by sim/checkers/routing.ts (dead-peer-leaves-routing, breaker-open-no-traffic).
 *
 * Cost: picks are recorded only while some breaker of that client holds a host not
 * closed, or while a fault that can cut a peer off is in force (a blocked link, a frozen
 * process): outside both, neither checker can find anything. One row of typed arrays each.
 */
import type { SimSocket } from "../net/sim-socket.js";
import { Columns } from "./columns.js";

/** A breaker state as recorded (src/core/host-health.ts). */
export const HEALTH = { closed: 0, open: 1, "half-open": 2, probing: 3 } as const;
export const HEALTH_NAMES = ["closed", "open", "half-open", "probing"] as const;
export type HealthCode = (typeof HEALTH)[keyof typeof HEALTH];

/** Row codes: a pick of a host in state s is `s`; a change from a to b is TRANSITION + 4a + b. */
const TRANSITION = 16;

/** A client socket connected to a server when a fault that cuts them apart began. */
export interface CutLink {
  /** Index of the fault in the schedule (FaultLog.applied has its start and end). */
  readonly fault: number;
  readonly startUs: number;
  readonly server: number;
  readonly serverIncarnation: number;
  readonly address: string;
  readonly client: number;
  readonly clientIncarnation: number;
  /** The client's pooled DEALER to the server (its `closedUs` says whether it outlived the fault's start). */
  readonly socket: SimSocket;
}

/** One row, decoded. */
export type RoutingRow =
  | {
      readonly type: "pick";
      readonly atUs: number;
      readonly client: number;
      readonly address: string;
      readonly state: HealthCode;
    }
  | {
      readonly type: "transition";
      readonly atUs: number;
      readonly client: number;
      readonly address: string;
      readonly from: HealthCode;
      readonly to: HealthCode;
    };

export class RoutingLog {
  /** timeUs, client process (serverKey), address id, code. */
  readonly rows = new Columns(4);
  readonly addresses: string[] = [];
  private readonly ids = new Map<string, number>();
  readonly cutLinks: CutLink[] = [];
  /** Resends (ACK timeouts) of a request to a host its client held open or was probing with another request. */
  resendsToOpenHosts = 0;
  /** When some breaker last opened a host (-1: never). */
  lastOpenedUs = -1;

  pick(atUs: number, client: number, address: string, state: HealthCode): void {
    this.rows.push(atUs, client, this.id(address), state);
  }

  transition(atUs: number, client: number, address: string, from: HealthCode, to: HealthCode): void {
    if (to === HEALTH.open) this.lastOpenedUs = atUs;
    this.rows.push(atUs, client, this.id(address), TRANSITION + 4 * from + to);
  }

  /** Every row in the order recorded (time order). */
  *entries(): Generator<RoutingRow> {
    const t = this.rows.column(0);
    const c = this.rows.column(1);
    const a = this.rows.column(2);
    const k = this.rows.column(3);
    for (let i = 0; i < this.rows.size; i++) {
      const code = k[i]!;
      const address = this.addresses[a[i]!]!;
      if (code < TRANSITION) yield { type: "pick", atUs: t[i]!, client: c[i]!, address, state: code as HealthCode };
      else
        yield {
          type: "transition",
          atUs: t[i]!,
          client: c[i]!,
          address,
          from: ((code - TRANSITION) >> 2) as HealthCode,
          to: ((code - TRANSITION) & 3) as HealthCode,
        };
    }
  }

  private id(address: string): number {
    let id = this.ids.get(address);
    if (id === undefined) {
      id = this.addresses.length;
      this.addresses.push(address);
      this.ids.set(address, id);
    }
    return id;
  }
}
