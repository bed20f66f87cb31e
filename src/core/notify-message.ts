/**
 * The notification message: oslo.messaging's layout (notify/messaging.py,
 * MessagingDriver/MessagingV2Driver at tag rocky-eol), the message of a NOTIFY request
 * (wire type 4, core/codec.ts):
 *
 *   { "message_id": "<uuid4>", "publisher_id": "compute.host1" | null,
 *     "event_type": "compute.instance.create.end", "priority": "INFO",
 *     "payload": <any JSON>, "timestamp": "2024-05-01 12:00:00.123000" }
 *
 * The payload is [context, message] like every request, so a NOTIFY carries the
 * notifier's context and the driver's "_zmq" key (core/wire-context.ts) as a call does.
 * Pure: the priorities, the shape check the codec runs on peer input, and the timestamp
 * format (Python's str(datetime.utcnow()), which oslo sends).
 */

/** oslo's priorities, in its order (notify/notifier.py, dispatcher PRIORITIES). */
export const PRIORITIES = ["audit", "debug", "info", "warn", "error", "critical", "sample"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The message of a NOTIFY request, with oslo's field names. */
export interface NotificationMessage {
  /** oslo's uuid4; kept when the notification is requeued (metadata.messageId). */
  message_id: string;
  publisher_id: string | null;
  event_type: string;
  /** Upper case on the wire ("INFO"), as oslo sends it. */
  priority: string;
  payload: unknown;
  timestamp: string;
}

/** The priority of a wire priority string ("INFO", "info"), or undefined for an unknown one. */
export function priorityOf(wire: string): Priority | undefined {
  const p = wire.toLowerCase();
  return (PRIORITIES as readonly string[]).includes(p) ? (p as Priority) : undefined;
}

const MAX_ID_CHARS = 256;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks the shape of a notification message a peer sent: undefined when it is one, else
 * the reason (the codec counts and drops it). Fields besides oslo's six are ignored; the
 * payload may be any JSON value but must be present.
 */
export function checkNotification(m: unknown): string | undefined {
  if (!isPlainObject(m)) return "notification is not an object";
  const id = m.message_id;
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_CHARS)
    return "notification.message_id is not a non-empty string of at most 256 characters";
  if (m.publisher_id !== null && typeof m.publisher_id !== "string")
    return "notification.publisher_id is neither a string nor null";
  if (typeof m.event_type !== "string") return "notification.event_type is not a string";
  if (typeof m.priority !== "string" || priorityOf(m.priority) === undefined)
    return `notification.priority is not one of ${PRIORITIES.join(", ")}`;
  if (!Object.hasOwn(m, "payload")) return "notification.payload is missing";
  if (typeof m.timestamp !== "string") return "notification.timestamp is not a string";
  return undefined;
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/**
 * `epochMs` as Python's str(datetime.utcnow()) writes it, which oslo puts in "timestamp":
 * "YYYY-MM-DD HH:MM:SS.ffffff" (UTC, microseconds; the last three digits are 0 here). The
 * calendar date comes from the day number by H. Hinnant's civil_from_days (no Date: the
 * core reads no clock and builds no clock object).
 */
export function notificationTimestamp(epochMs: number): string {
  const ms = Math.floor(epochMs);
  const days = Math.floor(ms / 86_400_000);
  const inDay = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(inDay / 3_600_000);
  const m = Math.floor((inDay % 3_600_000) / 60_000);
  const sec = Math.floor((inDay % 60_000) / 1000);
  const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
  return `${date} ${pad(h, 2)}:${pad(m, 2)}:${pad(sec, 2)}.${pad((inDay % 1000) * 1000, 6)}`;
}
