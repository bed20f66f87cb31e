/**
 * Fixtures ported from oslo.messaging's functional notification tests
 * (tests/functional/utils.py, NotificationFixture and BatchNotificationFixture, tag
 * queens-eol): an endpoint with a method per priority that records
 * [priority, eventType, payload, publisherId], a batch endpoint recording
 * [priority, messages], and a logger that keeps what it was told.
 */
import { PRIORITIES, type IncomingNotification, type Logger, type Priority } from "../../src/index.js";

export type Event = [priority: Priority, eventType: string, payload: unknown, publisherId: string | null];

/** oslo NotificationFixture's endpoint: every priority recorded (oslo ignores "sample"; here it is recorded too). */
export class RecordingEndpoint {
  readonly events: Event[] = [];
  /** What a priority method returns; "requeue" asks for the notification again. */
  answer: (n: { eventType: string; payload: unknown; calls: number }) => unknown = () => undefined;
  private calls = 0;

  constructor(filterRule?: unknown) {
    if (filterRule !== undefined) Object.assign(this, { filterRule });
    for (const p of PRIORITIES) {
      Object.defineProperty(this, p, {
        value: (_ctx: unknown, publisherId: string | null, eventType: string, payload: unknown) => {
          this.events.push([p, eventType, payload, publisherId]);
          return this.answer({ eventType, payload, calls: ++this.calls });
        },
      });
    }
  }

  payloads(): unknown[] {
    return this.events.map((e) => e[2]);
  }
}

/** oslo BatchNotificationFixture's endpoint: [priority, messages] per batch. */
export class BatchRecordingEndpoint {
  readonly batches: [Priority, IncomingNotification[]][] = [];
  answer: (batch: IncomingNotification[]) => unknown = () => undefined;

  constructor() {
    for (const p of PRIORITIES) {
      Object.defineProperty(this, p, {
        value: (messages: IncomingNotification[]) => {
          this.batches.push([p, messages]);
          return this.answer(messages);
        },
      });
    }
  }
}

/** A logger that keeps its lines instead of printing them. */
export class KeptLogger implements Logger {
  readonly lines: string[] = [];
  warn(message: string): void {
    this.lines.push(message);
  }
}
