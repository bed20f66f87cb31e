/**
 * Registry of the state machines whose diagrams are generated from their transition
 * tables (uml/generated/<name>.state.mmd). Components add one entry each.
 */
import { HEALTH_TRANSITIONS } from "../src/core/host-health.js";
import { FANOUT_HOST_TRANSITIONS, REQUEST_TRANSITIONS } from "../src/core/request-states.js";
import { SERVER_TRANSITIONS } from "../src/core/server-lifecycle.js";
import { SLOT_TRANSITIONS } from "../src/pool/slot-states.js";

export interface StateTable {
  /** File stem: uml/generated/<name>.state.mmd */
  name: string;
  title: string;
  initial: string;
  /** Terminal states drawn with an arrow to [*]. */
  final: string[];
  table: Readonly<Record<string, Readonly<Partial<Record<string, string>>>>>;
}

export const STATE_TABLES: StateTable[] = [
  {
    name: "server-lifecycle",
    title: "RPC server lifecycle (src/core/server-lifecycle.ts)",
    initial: "created",
    final: ["stopped"],
    table: SERVER_TRANSITIONS,
  },
  {
    name: "pool-slot",
    title: "Pooled socket lifecycle (src/pool/slot-states.ts)",
    initial: "absent",
    final: ["closed"],
    table: SLOT_TRANSITIONS,
  },
  {
    name: "request-lifecycle",
    title: "Client request lifecycle (src/core/request-states.ts)",
    initial: "new",
    final: ["settled"],
    table: REQUEST_TRANSITIONS,
  },
  {
    name: "fanout-host",
    title: "One host of a fanout (src/core/request-states.ts)",
    initial: "sending",
    final: ["delivered", "given-up"],
    table: FANOUT_HOST_TRANSITIONS,
  },
  {
    name: "host-health",
    title: "A host's circuit breaker in the client (src/core/host-health.ts)",
    initial: "closed",
    final: [],
    table: HEALTH_TRANSITIONS,
  },
];
