import type { StreamName } from "../vco/streams.js";
import { EventFactory, toSecond, type Shape } from "./event-factory.js";

/** An event held back until `visibleAt`; `ref` as in the store's columns. */
interface Pending {
  time: number;
  ref: number;
  visibleAt: number;
}

/** Bytes each stored event takes in the columns (its time and its ref). */
export const BYTES_PER_EVENT = 12;
/** Refs are 31-bit: the most events one store can number. */
const MAX_REF = 2 ** 31 - 1;

/**
 * One enterprise's events, kept sorted by eventTime (oldest first) in two columns: the time, and
 * a ref, which is the factory's event number (the factory renders the event from it and the time
 * when a page is served), or, negated, an index into `texts` for events stored as given (raw,
 * overridden or pretty-printed ones). 12 bytes an event, outside the JS heap, so ten million
 * events fit a default heap. An event can be published late: until its visibleAt it is held
 * back, exactly as the VCO's API output can lag an event by minutes.
 */
export class EventStore {
  private time = new Float64Array(0);
  private ref = new Int32Array(0);
  private count = 0;
  private readonly texts: Buffer[] = [];
  private pending: Pending[] = [];
  readonly factory: EventFactory;

  constructor(
    shape: Shape,
    enterpriseName: string,
    firstId: number,
    /** Whose events these are: an enterprise's, a partner's own, or the operator's. */
    readonly stream: StreamName = "enterprise",
  ) {
    this.factory = new EventFactory(shape, enterpriseName, firstId, stream);
  }

  get size(): number {
    return this.count + this.pending.length;
  }

  /** Add an event; `visibleAt` later than now makes it show up late. Returns the object as served. */
  add(
    eventTime: number,
    opts: {
      visibleAt?: number;
      overrides?: Record<string, unknown>;
      raw?: Record<string, unknown>;
      indent?: number;
    } = {},
  ): Record<string, unknown> {
    let body: Record<string, unknown>;
    let time: number;
    let ref: number;
    if (opts.raw || opts.overrides || opts.indent) {
      body = opts.raw ?? this.factory.make(eventTime, opts.overrides);
      const parsed = Date.parse(String(body.eventTime ?? new Date(eventTime).toISOString()));
      time = Number.isNaN(parsed) ? eventTime : parsed;
      // Some servers pretty-print: the event is served over several lines, exactly as given.
      ref = -this.texts.push(Buffer.from(JSON.stringify(body, null, opts.indent)));
    } else {
      ref = this.newRefs(1);
      time = toSecond(eventTime);
      body = this.factory.body(ref, time);
    }
    if (opts.visibleAt !== undefined) this.pending.push({ time, ref, visibleAt: opts.visibleAt });
    else this.insert(time, ref);
    return body;
  }

  /** `count` events spread evenly over [from, to], created in a shuffled order (ids not by time). */
  addSpread(count: number, from: number, to: number): void {
    if (!(count > 0)) return;
    const step = count > 1 ? (to - from) / (count - 1) : 0;
    const first = this.newRefs(count);
    const at = (i: number) => toSecond(Math.round(from + i * step));
    const last = this.count > 0 ? this.time[this.count - 1]! : -Infinity;
    // Appended in place when the spread starts at or after the newest event; else merged.
    const inPlace = at(0) >= last;
    // A little room to spare, so the first live event added next is not a copy of every column.
    if (inPlace) this.reserve(this.count + count + (count >> 6));
    const times = inPlace ? this.time.subarray(this.count) : new Float64Array(count);
    const refs = inPlace ? this.ref.subarray(this.count) : new Int32Array(count);
    // Creation order interleaves halves so ids do not follow eventTime.
    for (let k = 0; k < count; k++) {
      const i = k % 2 === 0 ? k / 2 : count - 1 - (k - 1) / 2;
      times[i] = at(i);
      refs[i] = first + k;
    }
    if (inPlace) this.count += count;
    else this.merge(times, refs);
  }

  private newRefs(count: number): number {
    const first = this.factory.reserve(count);
    if (first + count > MAX_REF)
      throw new RangeError(`an event store numbers at most ${MAX_REF} events`);
    return first;
  }

  /** Room for `n` events; grown by a quarter at least, so adding one at a time stays cheap. */
  private reserve(n: number): void {
    if (n <= this.time.length) return;
    const cap = Math.max(n, this.time.length + (this.time.length >> 2), 1024);
    const time = new Float64Array(cap);
    const ref = new Int32Array(cap);
    time.set(this.time.subarray(0, this.count));
    ref.set(this.ref.subarray(0, this.count));
    this.time = time;
    this.ref = ref;
  }

  /**
   * A sorted run that reaches back among existing events, merged from the back. On equal times
   * the existing events stay first, as a stable sort of the two runs would have them.
   */
  private merge(times: Float64Array, refs: Int32Array): void {
    let i = this.count - 1;
    let j = times.length - 1;
    this.reserve(this.count + times.length + (times.length >> 6));
    for (let w = this.count + times.length - 1; j >= 0; w--) {
      if (i >= 0 && this.time[i]! > times[j]!) {
        this.time[w] = this.time[i]!;
        this.ref[w] = this.ref[i--]!;
      } else {
        this.time[w] = times[j]!;
        this.ref[w] = refs[j--]!;
      }
    }
    this.count += times.length;
  }

  private insert(time: number, ref: number): void {
    const at = this.upperBound(time);
    this.reserve(this.count + 1);
    if (at < this.count) {
      this.time.copyWithin(at + 1, at, this.count);
      this.ref.copyWithin(at + 1, at, this.count);
    }
    this.time[at] = time;
    this.ref[at] = ref;
    this.count++;
  }

  /** Publish events whose time has come. */
  release(now: number): void {
    if (this.pending.length === 0) return;
    const due = this.pending.filter((p) => p.visibleAt <= now);
    if (due.length === 0) return;
    this.pending = this.pending.filter((p) => p.visibleAt > now);
    for (const p of due) this.insert(p.time, p.ref);
  }

  /**
   * Visible events in [start, end] (inclusive), newest first, skipping `offset`: the JSON of each,
   * joined by commas, as UTF-8. Positions are plain offsets, as on the VCO: an event published
   * between two page requests shifts later pages.
   */
  page(
    start: number,
    end: number,
    offset: number,
    limit: number,
    match?: (event: Record<string, unknown>) => boolean,
  ): { data: Buffer; count: number; more: boolean } {
    const lo = this.lowerBound(start);
    const hi = this.upperBound(end); // exclusive
    if (match) return this.matchingPage(lo, hi, offset, limit, match);
    const from = hi - offset; // exclusive upper index of this page
    const to = Math.max(lo, from - limit);
    let room = 0;
    for (let i = from - 1; i >= to; i--) {
      const ref = this.ref[i]!;
      room += 1 + (ref >= 0 ? this.factory.maxBytes : this.texts[-1 - ref]!.length);
    }
    const data = Buffer.allocUnsafe(Math.max(0, room));
    let at = 0;
    for (let i = from - 1; i >= to; i--) {
      if (i < from - 1) data[at++] = 0x2c; // ,
      at = this.put(data, at, i);
    }
    return { data: data.subarray(0, at), count: Math.max(0, from - to), more: to > lo };
  }

  /**
   * A page of the events that pass filter.rules: offsets count matching events, as the VCO's do
   * for a filtered query. Each event is rendered and parsed to be tested: slow, and only for tests.
   */
  private matchingPage(
    lo: number,
    hi: number,
    offset: number,
    limit: number,
    match: (event: Record<string, unknown>) => boolean,
  ): { data: Buffer; count: number; more: boolean } {
    const scratch = Buffer.allocUnsafe(
      this.factory.maxBytes + Math.max(0, ...this.texts.map((t) => t.length)),
    );
    const texts: Buffer[] = [];
    let skipped = 0;
    for (let i = hi - 1; i >= lo; i--) {
      const text = scratch.subarray(0, this.put(scratch, 0, i));
      if (!match(JSON.parse(text.toString("utf8")) as Record<string, unknown>)) continue;
      if (skipped < offset) skipped++;
      else if (texts.length < limit) texts.push(Buffer.from(text));
      else return { data: joinWithCommas(texts), count: texts.length, more: true };
    }
    return { data: joinWithCommas(texts), count: texts.length, more: false };
  }

  /** Writes event `i`'s JSON at `at`; returns where it ends. */
  private put(buf: Buffer, at: number, i: number): number {
    const ref = this.ref[i]!;
    if (ref >= 0) return this.factory.renderInto(buf, at, ref, this.time[i]!);
    const text = this.texts[-1 - ref]!;
    buf.set(text, at);
    return at + text.length;
  }

  private lowerBound(t: number): number {
    let a = 0;
    let b = this.count;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (this.time[m]! < t) a = m + 1;
      else b = m;
    }
    return a;
  }

  private upperBound(t: number): number {
    let a = 0;
    let b = this.count;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (this.time[m]! <= t) a = m + 1;
      else b = m;
    }
    return a;
  }

  /** Every visible event, oldest first, as served (for tests to compare against). */
  all(): Array<Record<string, unknown>> {
    const buf = Buffer.allocUnsafe(
      this.factory.maxBytes + Math.max(0, ...this.texts.map((t) => t.length)),
    );
    return Array.from(
      { length: this.count },
      (_, i) => JSON.parse(buf.toString("utf8", 0, this.put(buf, 0, i))) as Record<string, unknown>,
    );
  }
}

function joinWithCommas(texts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  texts.forEach((t, n) => out.push(...(n > 0 ? [Buffer.from(",")] : []), t));
  return Buffer.concat(out);
}
