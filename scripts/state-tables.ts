/**
 * Registry of the state machines whose diagrams are generated from their transition
 * tables (uml/generated/<name>.state.mmd). Components add one entry each.
 */
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
];
