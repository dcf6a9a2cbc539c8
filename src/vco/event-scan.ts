// A backfill's cost is dominated by what happens to every byte of every reply. JSON.parse builds
// an object per event only for the tool to read three fields and write the event back out; the
// objects then cost as much again in garbage collection. This scanner walks a getEnterpriseEvents
// reply once and records, per event, where its text is, where its key is and its eventTime: an
// EventBatch, one object per page. It accepts only the plain shape
// ({... "metaData": {...}, "data": [{...}, ...] ...}); anything else (an error object, a cut-off
// reply, an event the tool cannot key) returns undefined, and the caller falls back to JSON.parse.
// An event printed over several lines is rewritten on one line; the others keep their bytes.

import { BatchBuilder, hashBytes, type EventBatch } from "./event-batch.js";
import { eventKey } from "./event-key.js";
import type { PageMemory } from "./page-pool.js";

export interface ScannedReply {
  metaData: unknown;
  data: EventBatch;
}

const QUOTE = 34;
const BACKSLASH = 92;

/** Index just past the string whose opening quote is at `i`, or -1. */
function endOfString(t: Buffer, i: number): number {
  const len = t.length;
  for (let j = i + 1; j < len; j++) {
    const c = t[j]!;
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) j++;
  }
  return -1;
}

/** Whether the member name whose quotes are at `quote` and `end - 1` is `name` (ASCII). */
function isName(t: Buffer, quote: number, end: number, name: string): boolean {
  if (end - quote - 2 !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (t[quote + 1 + k] !== name.charCodeAt(k)) return false;
  return true;
}

const digit = (t: Buffer, i: number): number => {
  const d = t[i]! - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};
const num = (t: Buffer, i: number, n: number): number => {
  let v = 0;
  for (let k = i; k < i + n; k++) v = v * 10 + digit(t, k);
  return v;
};

/** Whether [at, end) is a plain integer as String(number) writes it: digits, no leading zero. */
function plainInteger(t: Buffer, at: number, end: number): boolean {
  if (end - at > 15 || end <= at || (t[at] === 48 && end - at > 1)) return false;
  for (let k = at; k < end; k++) if (!(t[k]! >= 48 && t[k]! <= 57)) return false;
  return true;
}

/** Whether [at, end) is a non-empty string token with no escapes. */
function plainString(t: Buffer, at: number, end: number): boolean {
  if (end - at < 3 || t[at] !== QUOTE) return false;
  for (let k = at + 1; k < end - 1; k++) if (t[k] === BACKSLASH) return false;
  return true;
}

const isNull = (t: Buffer, at: number, end: number): boolean =>
  end - at === 4 && t[at] === 110 && t[at + 1] === 117 && t[at + 2] === 108 && t[at + 3] === 108;

/**
 * Unusual, not wrong: an escaped or non-integer id, another time format, an event over several
 * lines. Read as JSON.parse would; an event that cannot be keyed (or parsed) sends the whole reply
 * the slow way, for its message.
 */
function addSlowly(
  b: BatchBuilder,
  t: Buffer,
  open: number,
  end: number,
  rewrite: boolean,
): boolean {
  let event: unknown;
  try {
    event = JSON.parse(t.toString("utf8", open, end));
  } catch {
    return false;
  }
  const keyed = eventKey(event);
  if (typeof keyed === "string") return false;
  const line = rewrite ? Buffer.from(JSON.stringify(event), "utf8") : undefined;
  b.addWithKey(open, end, keyed.time, keyed.key, line);
  return true;
}

/**
 * Reads the replies of one query (see eventPages). What it notes while walking an event lives in
 * its fields, not in the module, so that runs and queries share nothing; a class rather than
 * closures, since this is the hottest loop of a backfill and V8 keeps fields of one shape fast.
 */
export class EventScanner {
  /** Set when whitespace or a value inside the current event held a line break. */
  private sawNewline = false;
  // Where the current event's fields are (value start and end), or -1 when absent.
  private idAt = -1;
  private idEnd = -1;
  private logicalIdAt = -1;
  private logicalIdEnd = -1;
  private timeAt = -1;
  private timeEnd = -1;
  /** The last "YYYY-MM-DDTHH" read, and its epoch ms (NaN if it was not a valid hour). */
  private readonly hourText = Buffer.alloc(13);
  private hourMs = Number.NaN;

  /** Batches take their columns from `memory` and give them back there, with the reply, on release. */
  constructor(private readonly memory: PageMemory) {}

  private skipSpace(t: Buffer, i: number): number {
    const len = t.length;
    for (; i < len; i++) {
      const c = t[i]!;
      if (c === 32 || c === 9) continue;
      if (c === 10 || c === 13) {
        this.sawNewline = true;
        continue;
      }
      break;
    }
    return i;
  }

  /** Index just past the value at `i` (string, object, array, number or literal), or -1. */
  private endOfValue(t: Buffer, i: number): number {
    const len = t.length;
    if (i >= len) return -1;
    const c = t[i]!;
    if (c === QUOTE) return endOfString(t, i);
    if (c === 123 || c === 91) {
      let depth = 0;
      for (let j = i; j < len; j++) {
        const d = t[j]!;
        if (d === QUOTE) {
          j = endOfString(t, j) - 1;
          if (j < 0) return -1;
        } else if (d === 123 || d === 91) depth++;
        else if (d === 125 || d === 93) {
          if (--depth === 0) return j + 1;
        } else if (d === 10 || d === 13) this.sawNewline = true;
      }
      return -1;
    }
    let j = i;
    for (; j < len; j++) {
      const d = t[j]!;
      // , } ] and whitespace end a number or literal
      if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break;
    }
    return j > i ? j : -1;
  }

  /** Index just past the event object whose `{` is at `open`, or -1; fills the field positions. */
  private scanEvent(t: Buffer, open: number): number {
    this.sawNewline = false;
    this.idAt = this.logicalIdAt = this.timeAt = -1;
    let i = this.skipSpace(t, open + 1);
    if (t[i] === 125) return i + 1;
    for (;;) {
      if (t[i] !== QUOTE) return -1;
      const nameEnd = endOfString(t, i);
      if (nameEnd < 0) return -1;
      const colon = this.skipSpace(t, nameEnd);
      if (t[colon] !== 58) return -1;
      const valueStart = this.skipSpace(t, colon + 1);
      const valueEnd = this.endOfValue(t, valueStart);
      if (valueEnd < 0) return -1;
      // A repeated name: JSON.parse keeps the last one, and so does this.
      const nameLength = nameEnd - i - 2;
      if (nameLength === 2) {
        if (isName(t, i, nameEnd, "id")) ((this.idAt = valueStart), (this.idEnd = valueEnd));
      } else if (nameLength === 9) {
        if (isName(t, i, nameEnd, "eventTime"))
          ((this.timeAt = valueStart), (this.timeEnd = valueEnd));
        else if (isName(t, i, nameEnd, "logicalId"))
          ((this.logicalIdAt = valueStart), (this.logicalIdEnd = valueEnd));
      }
      i = this.skipSpace(t, valueEnd);
      const c = t[i];
      if (c === 125) return i + 1;
      if (c !== 44) return -1;
      i = this.skipSpace(t, i + 1);
    }
  }

  /**
   * The eventTime token at [at, end) in the VCO's own form, "2021-10-23T06:48:57.000Z" with its
   * quotes, as epoch ms; NaN for anything else (read the slow way, as parseEventTime does).
   */
  private vcoTime(t: Buffer, at: number, end: number): number {
    if (
      end - at !== 26 ||
      t[at] !== QUOTE ||
      t[at + 5] !== 45 ||
      t[at + 8] !== 45 ||
      t[at + 11] !== 84 ||
      t[at + 14] !== 58 ||
      t[at + 17] !== 58 ||
      t[at + 20] !== 46 ||
      t[at + 24] !== 90 ||
      t[at + 25] !== QUOTE
    ) {
      return Number.NaN;
    }
    // Events of a page mostly share the hour: reuse the hour's epoch ms while "YYYY-MM-DDTHH" repeats.
    if (!this.sameHour(t, at)) {
      const mo = num(t, at + 6, 2);
      const d = num(t, at + 9, 2);
      const h = num(t, at + 12, 2);
      this.hourMs =
        mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24
          ? Date.UTC(num(t, at + 1, 4), mo - 1, d, h)
          : Number.NaN;
      t.copy(this.hourText, 0, at + 1, at + 14);
    }
    const mi = num(t, at + 15, 2);
    const s = num(t, at + 18, 2);
    if (!(mi < 60 && s < 60)) return Number.NaN;
    return this.hourMs + mi * 60_000 + s * 1000 + num(t, at + 21, 3);
  }

  private sameHour(t: Buffer, at: number): boolean {
    const hourText = this.hourText;
    for (let k = 0; k < 13; k++) if (t[at + 1 + k] !== hourText[k]) return false;
    return true;
  }

  /** Adds the event at [open, end) to the batch; false if the tool cannot key it. */
  private addEvent(b: BatchBuilder, t: Buffer, open: number, end: number): boolean {
    // Pretty-printed over several lines: rewritten on one line, the slow way.
    if (this.sawNewline) return addSlowly(b, t, open, end, true);
    // id wins unless absent or null, as in eventKey (`id ?? logicalId`).
    const { idAt, idEnd, timeAt } = this;
    const useId = idAt >= 0 && !isNull(t, idAt, idEnd);
    const at = useId ? idAt : this.logicalIdAt;
    const to = useId ? idEnd : this.logicalIdEnd;
    const time = timeAt >= 0 ? this.vcoTime(t, timeAt, this.timeEnd) : Number.NaN;
    if (at >= 0 && !Number.isNaN(time)) {
      if (t[at] === QUOTE) {
        if (plainString(t, at, to)) {
          b.add(open, end, time, at + 1, to - 1, hashBytes(t, at + 1, to - 1));
          return true;
        }
      } else if (plainInteger(t, at, to)) {
        b.add(open, end, time, at, to, hashBytes(t, at, to));
        return true;
      }
    }
    return addSlowly(b, t, open, end, false);
  }

  private scanData(t: Buffer, open: number, b: BatchBuilder): number {
    let i = this.skipSpace(t, open + 1);
    if (t[i] === 93) return i + 1;
    for (;;) {
      if (t[i] !== 123) return -1;
      const end = this.scanEvent(t, i);
      if (end < 0 || !this.addEvent(b, t, i, end)) return -1;
      i = this.skipSpace(t, end);
      const c = t[i];
      if (c === 93) return i + 1;
      if (c !== 44) return -1;
      i = this.skipSpace(t, i + 1);
    }
  }

  /** The reply's metaData (parsed) and its events (as a batch), or undefined for anything unusual. */
  scan(reply: Buffer): ScannedReply | undefined {
    const builder = new BatchBuilder(this.memory);
    const metaData = this.scanReply(reply, builder);
    if (metaData === undefined) {
      builder.discard();
      return undefined;
    }
    return { metaData, data: builder.build(reply) };
  }

  private scanReply(t: Buffer, builder: BatchBuilder): unknown {
    let metaText: string | undefined;
    let sawData = false;
    let i = this.skipSpace(t, 0);
    if (t[i] !== 123) return undefined;
    i = this.skipSpace(t, i + 1);
    for (;;) {
      if (t[i] !== QUOTE) return undefined;
      const nameEnd = endOfString(t, i);
      if (nameEnd < 0) return undefined;
      const colon = this.skipSpace(t, nameEnd);
      if (t[colon] !== 58) return undefined;
      const valueStart = this.skipSpace(t, colon + 1);
      let end: number;
      if (isName(t, i, nameEnd, "data")) {
        if (t[valueStart] !== 91 || sawData) return undefined;
        end = this.scanData(t, valueStart, builder);
        if (end < 0) return undefined;
        sawData = true;
      } else {
        if (isName(t, i, nameEnd, "error")) return undefined;
        end = this.endOfValue(t, valueStart);
        if (end < 0) return undefined;
        if (isName(t, i, nameEnd, "metaData")) metaText = t.toString("utf8", valueStart, end);
      }
      i = this.skipSpace(t, end);
      const c = t[i];
      if (c === 125) break;
      if (c !== 44) return undefined;
      i = this.skipSpace(t, i + 1);
    }
    if (this.skipSpace(t, i + 1) !== t.length || metaText === undefined || !sawData)
      return undefined;
    try {
      return JSON.parse(metaText) ?? undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * metaData.nextPageLink, read before the rest of the reply when metaData is the reply's first
   * member (as the VCO writes it) and says there is more; otherwise undefined. Only a hint for
   * asking early: the reply as a whole is checked before the link is used.
   */
  peekNextPageLink(t: Buffer): string | undefined {
    let i = this.skipSpace(t, 0);
    if (t[i] !== 123) return undefined;
    i = this.skipSpace(t, i + 1);
    if (t[i] !== QUOTE) return undefined;
    const nameEnd = endOfString(t, i);
    if (nameEnd < 0 || !isName(t, i, nameEnd, "metaData")) return undefined;
    const colon = this.skipSpace(t, nameEnd);
    if (t[colon] !== 58) return undefined;
    const start = this.skipSpace(t, colon + 1);
    if (t[start] !== 123) return undefined;
    const end = this.endOfValue(t, start);
    if (end < 0) return undefined;
    try {
      const meta = JSON.parse(t.toString("utf8", start, end)) as {
        more?: unknown;
        nextPageLink?: unknown;
      };
      const link = meta.nextPageLink;
      return meta.more === true && typeof link === "string" && link !== "" ? link : undefined;
    } catch {
      return undefined;
    }
  }
}
