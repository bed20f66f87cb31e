/**
 * Payload JSON for the codec (spec/codec.md, "Payload JSON"): the depth bound, the scan
 * that enforces it without parsing, the parse of a peer's payload within the size and
 * depth limits (a tagged result, never a throw), and the encoding of our own payloads
 * (which throws: our bugs are not peer input).
 */
import { PayloadTooLarge } from "../errors.js";
import { type OutFrame, TEXT_PAYLOAD_MAX_BYTES } from "./out-frames.js";
import { type Decoded, fail } from "./wire-frames.js";

/**
 * Deepest nesting of arrays and objects a peer's payload may have; the payload `[context,
 * message]` itself is level 1, so a request's arguments are at level 3. Deeper payloads are
 * rejected before JSON.parse (kind "depth"): V8 parses any depth without recursion, but
 * JSON.stringify, structuredClone and every recursive walk of the value overflow the stack
 * a few thousand levels down, Python's json (an oslo peer) stops near 1,000, and a deep
 * value costs about 30 bytes of heap and 0.4 µs of parsing per byte of payload. Found by
 * test/acceptance/fuzz-server.test.ts; spec/codec.md, "Payload JSON".
 */
export const MAX_JSON_DEPTH = 512;

/**
 * The payload frame of our own message: its JSON text when it is at most
 * TEXT_PAYLOAD_MAX_BYTES of UTF-8 (out-frames.ts: written into a batch or encoded when
 * sent alone), else payloadBuffer's bytes. Throws as payloadBuffer does.
 */
export function payloadFrame(json: string, maxBytes: number, what: string): OutFrame {
  // UTF-8 takes at least one byte and at most three per UTF-16 unit: a longer string need
  // not be measured, nor one short enough to fit even at three bytes a unit (the send
  // queue measures it once anyway; a second Buffer.byteLength of the JSON, which first
  // flattens V8's rope, was about 2 % of a cast's main-thread CPU; issue 14).
  const limit = Math.min(TEXT_PAYLOAD_MAX_BYTES, maxBytes);
  const text = json.length * 3 <= limit || (json.length <= limit && Buffer.byteLength(json) <= limit);
  return text ? json : payloadBuffer(json, maxBytes, what);
}

/**
 * The payload frame, or PayloadTooLarge. UTF-8 takes at least one byte per UTF-16 unit, so
 * a long string fails before it is copied. A payload nested deeper than a peer accepts is
 * a TypeError here rather than a drop there (a call would time out).
 */
export function payloadBuffer(json: string, maxBytes: number, what: string): Buffer {
  if (json.length > maxBytes) throw new PayloadTooLarge(what, Buffer.byteLength(json), maxBytes);
  const buf = Buffer.from(json);
  if (buf.length > maxBytes) throw new PayloadTooLarge(what, buf.length, maxBytes);
  if (nestsDeeperThan(buf, MAX_JSON_DEPTH))
    throw new TypeError(
      `the ${what} cannot be sent: it nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels (MAX_JSON_DEPTH), which peers refuse`,
    );
  return buf;
}

/**
 * Whether the JSON text in `buf` nests arrays and objects deeper than `max`, counting the
 * brackets outside strings; it need not be valid JSON. A text of at most 2 × max bytes is
 * not scanned: valid JSON that deep needs max + 1 opening and as many closing brackets,
 * and an invalid one fails JSON.parse anyway. About 1.3 ns a byte (Node 20), a fifth of
 * what JSON.parse takes, and nothing for the small payloads of most requests.
 */
export function nestsDeeperThan(buf: Buffer, max: number): boolean {
  if (buf.length <= 2 * max || fewerOpenersThan(buf, max + 1)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next byte is escaped (a quote or a backslash among them)
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Whether `buf` holds fewer than `n` bytes `[` and `{`, anywhere (in strings too): then no
 * nesting reaches depth `n`, and the byte loop above need not run. Found with
 * Buffer.indexOf (memchr in C++): a 64 KiB payload of text with a few brackets took
 * 250 µs of the loop per scan, four scans per call (both sides encode and decode), about
 * a sixth of a 64 KiB call's CPU (measured, Node 20); now a few µs.
 */
function fewerOpenersThan(buf: Buffer, n: number): boolean {
  let count = 0;
  for (const opener of [0x5b, 0x7b])
    for (let i = buf.indexOf(opener); i >= 0; i = buf.indexOf(opener, i + 1)) if (++count >= n) return false;
  return true;
}

/** JSON.parse of the UTF-8 text in `buf` from `start` to `end`, within the size and depth limits. */
export function parseJson(
  buf: Buffer,
  maxBytes: number,
  start = 0,
  end = buf.length,
): { ok: true; value: unknown } | Decoded<never> {
  const bytes = end - start;
  if (bytes > maxBytes) return fail("shape", `payload of ${bytes} bytes exceeds ${maxBytes}`);
  // nestsDeeperThan returns at once for short text: a view is made only for a long one.
  if (bytes > 2 * MAX_JSON_DEPTH && nestsDeeperThan(buf.subarray(start, end), MAX_JSON_DEPTH))
    return fail("depth", `payload nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return { ok: true, value: JSON.parse(buf.toString("utf8", start, end)) };
  } catch {
    return fail("json", "payload is not valid JSON");
  }
}

/**
 * parseJson of a payload that must be a pair, `[context, message]` or `[body, failure]`
 * (`pair` names it in the reason): the two values, or the rejection.
 */
export function parsePair(
  buf: Buffer,
  maxBytes: number,
  start: number,
  end: number,
  pair: string,
): { ok: true; value: [unknown, unknown] } | Decoded<never> {
  const parsed = parseJson(buf, maxBytes, start, end);
  if (!parsed.ok) return parsed;
  const p = parsed.value;
  if (!Array.isArray(p) || p.length !== 2) return fail("shape", `payload is not ${pair}`);
  return { ok: true, value: p as [unknown, unknown] };
}
