/**
 * RPC server lifecycle as data. The server shell (src/driver/rpc-listener.ts) looks every
 * transition up here; uml/generated/server-lifecycle.state.mmd is generated from this table.
 *
 *   created --start--> starting --started--> running --stop--> stopping --drained--> stopped
 *   starting --failed--> stopped;  starting --stop--> stopping
 */
export type ServerState = "created" | "starting" | "running" | "stopping" | "stopped";
export type ServerEvent = "start" | "started" | "failed" | "stop" | "drained";

export const SERVER_TRANSITIONS: Readonly<Record<ServerState, Partial<Record<ServerEvent, ServerState>>>> = {
  created: { start: "starting", stop: "stopped" },
  starting: { started: "running", failed: "stopped", stop: "stopping" },
  running: { stop: "stopping" },
  stopping: { drained: "stopped" },
  stopped: {},
};

/** Next state, or undefined when the event is not allowed in `state`. */
export function nextServerState(state: ServerState, event: ServerEvent): ServerState | undefined {
  return SERVER_TRANSITIONS[state][event];
}
