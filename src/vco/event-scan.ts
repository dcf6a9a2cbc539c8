// A backfill's cost is dominated by what happens to every byte of every reply. JSON.parse builds
// an object per event only for the tool to read three fields and write the event back out; the
// objects then cost as much again in garbage collection. This scanner walks a getEnterpriseEvents
// reply once, keeps each event's own text, and picks out `id`, `logicalId` and `eventTime`. It
// accepts only the plain shape ({... "metaData": {...}, "data": [{...}, ...] ...}); anything else
// (an error object, a cut-off reply, an event that is not an object) returns undefined, and the
// caller falls back to JSON.parse.

/** One event as found in the reply. */
export class ScannedEvent {
  constructor(
    /** The event's own bytes (a view of the reply); a newline inside means it was pretty-printed. */
    readonly bytes: Buffer,
    readonly multiline: boolean,
    /** Raw JSON tokens of the three fields, or undefined when absent. */
    readonly idToken: string | undefined,
    readonly logicalIdToken: string | undefined,
    readonly eventTimeToken: string | undefined,
  ) {}
}

export interface ScannedReply {
  metaData: unknown;
  data: ScannedEvent[];
}

/** Index just past the string whose opening quote is at `i`, or -1. */
function endOfString(text: Buffer, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf(34, j);
    if (q < 0) return -1;
    let k = q - 1;
    while (text[k] === 92) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** The byte at `i`, or -1 past the end (so comparisons fail like charCodeAt's NaN). */
const at = (text: Buffer, i: number): number => (i < text.length ? text[i]! : -1);

/** Shared by the helpers below: set when whitespace between tokens held a line break. */
let sawNewline = false;

function skipSpace(text: Buffer, i: number): number {
  for (; i < text.length; i++) {
    const c = at(text, i);
    if (c === 32 || c === 9) continue;
    if (c === 10 || c === 13) {
      sawNewline = true;
      continue;
    }
    break;
  }
  return i;
}

/** Index just past the value at `i` (string, object, array, number or literal), or -1. */
function endOfValue(text: Buffer, i: number): number {
  const c = at(text, i);
  if (c === 34) return endOfString(text, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = at(text, j);
      if (d === 34) {
        j = endOfString(text, j) - 1;
        if (j < 0) return -1;
      } else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        if (--depth === 0) return j + 1;
      } else if (d === 10 || d === 13) sawNewline = true;
    }
    return -1;
  }
  let j = i;
  for (; j < text.length; j++) {
    const d = at(text, j);
    // , } ] and whitespace end a number or literal
    if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break;
  }
  return j > i ? j : -1;
}

/** The `"key": ` of an object member starting at `i`: where the key is and where its value starts. */
function memberAt(
  text: Buffer,
  i: number,
): { keyStart: number; keyEnd: number; valueStart: number } | undefined {
  if (at(text, i) !== 34) return undefined;
  const keyEnd = endOfString(text, i);
  if (keyEnd < 0) return undefined;
  const colon = skipSpace(text, keyEnd);
  if (at(text, colon) !== 58) return undefined;
  return { keyStart: i, keyEnd, valueStart: skipSpace(text, colon + 1) };
}

function isKey(text: Buffer, quote: number, end: number, name: string): boolean {
  if (end - quote - 2 !== name.length) return false;
  for (let k = 0; k < name.length; k++)
    if (text[quote + 1 + k] !== name.charCodeAt(k)) return false;
  return true;
}

function scanEvent(text: Buffer, open: number): { end: number; event: ScannedEvent } | undefined {
  sawNewline = false;
  let id: string | undefined;
  let logicalId: string | undefined;
  let eventTime: string | undefined;
  let i = skipSpace(text, open + 1);
  if (at(text, i) !== 125) {
    for (;;) {
      const member = memberAt(text, i);
      if (!member) return undefined;
      const { keyStart, keyEnd, valueStart } = member;
      const valueEnd = endOfValue(text, valueStart);
      if (valueEnd < 0) return undefined;
      // A repeated key: JSON.parse keeps the last one, and so does this.
      if (isKey(text, keyStart, keyEnd, "id")) id = text.toString("utf8", valueStart, valueEnd);
      else if (isKey(text, keyStart, keyEnd, "logicalId"))
        logicalId = text.toString("utf8", valueStart, valueEnd);
      else if (isKey(text, keyStart, keyEnd, "eventTime"))
        eventTime = text.toString("utf8", valueStart, valueEnd);
      i = skipSpace(text, valueEnd);
      const c = at(text, i);
      if (c === 125) break;
      if (c !== 44) return undefined;
      i = skipSpace(text, i + 1);
    }
  }
  const end = i + 1;
  return {
    end,
    event: new ScannedEvent(text.subarray(open, end), sawNewline, id, logicalId, eventTime),
  };
}

function scanData(text: Buffer, open: number): { end: number; events: ScannedEvent[] } | undefined {
  const events: ScannedEvent[] = [];
  let i = skipSpace(text, open + 1);
  if (at(text, i) === 93) return { end: i + 1, events };
  for (;;) {
    if (at(text, i) !== 123) return undefined;
    const scanned = scanEvent(text, i);
    if (!scanned) return undefined;
    events.push(scanned.event);
    i = skipSpace(text, scanned.end);
    const c = at(text, i);
    if (c === 93) return { end: i + 1, events };
    if (c !== 44) return undefined;
    i = skipSpace(text, i + 1);
  }
}

/** The reply's metaData (parsed) and its events (scanned), or undefined for anything unusual. */
export function scanEventsReply(text: Buffer): ScannedReply | undefined {
  let metaText: string | undefined;
  let data: ScannedEvent[] | undefined;
  let i = skipSpace(text, 0);
  if (at(text, i) !== 123) return undefined;
  i = skipSpace(text, i + 1);
  for (;;) {
    const member = memberAt(text, i);
    if (!member) return undefined;
    const { keyStart, keyEnd } = member;
    i = member.valueStart;
    let end: number;
    if (isKey(text, keyStart, keyEnd, "data")) {
      if (at(text, i) !== 91) return undefined;
      const scanned = scanData(text, i);
      if (!scanned) return undefined;
      data = scanned.events;
      end = scanned.end;
    } else {
      if (isKey(text, keyStart, keyEnd, "error")) return undefined;
      end = endOfValue(text, i);
      if (end < 0) return undefined;
      if (isKey(text, keyStart, keyEnd, "metaData")) metaText = text.toString("utf8", i, end);
    }
    i = skipSpace(text, end);
    const c = at(text, i);
    if (c === 125) break;
    if (c !== 44) return undefined;
    i = skipSpace(text, i + 1);
  }
  if (skipSpace(text, i + 1) !== text.length || metaText === undefined || data === undefined) {
    return undefined;
  }
  try {
    return { metaData: JSON.parse(metaText), data };
  } catch {
    return undefined;
  }
}

/** A scanned token's value: JSON.parse for anything but the common plain string. */
export function tokenValue(token: string | undefined): unknown {
  if (token === undefined) return undefined;
  if (token.charCodeAt(0) === 34 && !token.includes("\\")) return token.slice(1, -1);
  try {
    return JSON.parse(token);
  } catch {
    return undefined;
  }
}
