import type { SeenWindow } from "./seen-window.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const COMMA = 0x2c;

/**
 * Reads a saved seen window, `[["key",time],...]` as SeenWindow.json() writes it, from `bytes` at
 * `at` straight into `into` (or only checks it, without one): no array, and for a plain key no
 * string, per entry. A window of 750,000 keys parsed with JSON.parse and checked with zod peaked
 * at several hundred MB. Returns the index just after the closing `]`, or -1 when the bytes there
 * are not such an array.
 */
export function readSeenJson(bytes: Buffer, at: number, into?: SeenWindow): number {
  let i = skipSpace(bytes, at);
  if (bytes[i++] !== OPEN) return -1;
  i = skipSpace(bytes, i);
  if (bytes[i] === CLOSE) return i + 1;
  for (;;) {
    i = skipSpace(bytes, i);
    if (bytes[i++] !== OPEN) return -1;
    i = skipSpace(bytes, i);
    if (bytes[i++] !== QUOTE) return -1;
    const from = i;
    let escaped = false;
    while (i < bytes.length && bytes[i] !== QUOTE) {
      if (bytes[i] === BACKSLASH) {
        escaped = true;
        i++;
      } else if (bytes[i]! < 0x20) return -1;
      i++;
    }
    if (i >= bytes.length) return -1;
    const to = i++;
    i = skipSpace(bytes, i);
    if (bytes[i++] !== COMMA) return -1;
    i = skipSpace(bytes, i);
    const numberAt = i;
    while (i < bytes.length && isNumberByte(bytes[i]!)) i++;
    const time = Number(bytes.toString("latin1", numberAt, i));
    if (i === numberAt || !Number.isFinite(time)) return -1;
    i = skipSpace(bytes, i);
    if (bytes[i++] !== CLOSE) return -1;
    if (into) {
      if (!escaped) into.addBytes(bytes, from, to, time);
      else {
        let key: unknown;
        try {
          key = JSON.parse(bytes.toString("utf8", from - 1, to + 1));
        } catch {
          return -1;
        }
        into.add(key as string, time);
      }
    }
    i = skipSpace(bytes, i);
    const next = bytes[i++];
    if (next === CLOSE) return i;
    if (next !== COMMA) return -1;
  }
}

function skipSpace(bytes: Buffer, i: number): number {
  while (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09) i++;
  return i;
}

/** Digits, sign, decimal point and exponent: what JSON allows in a number. */
function isNumberByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2b || b === 0x2e || b === 0x65 || b === 0x45
  );
}
