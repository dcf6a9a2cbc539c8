import { EventFactory, type Shape } from "./event-factory.js";

export interface StoredEvent {
  time: number;
  json: string;
}

interface Pending extends StoredEvent {
  visibleAt: number;
}

/**
 * One enterprise's events, kept sorted by eventTime (oldest first) with their JSON pre-rendered,
 * so pages of 2048 cost a slice and a join. An event can be published late: until its visibleAt
 * it is held back, exactly as the VCO's API output can lag an event by minutes.
 */
export class EventStore {
  private readonly events: StoredEvent[] = [];
  private pending: Pending[] = [];
  readonly factory: EventFactory;

  constructor(shape: Shape, enterpriseName: string, firstId: number) {
    this.factory = new EventFactory(shape, enterpriseName, firstId);
  }

  get size(): number {
    return this.events.length + this.pending.length;
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
    const body = opts.raw ?? this.factory.make(eventTime, opts.overrides);
    const time = Date.parse(String(body.eventTime ?? new Date(eventTime).toISOString()));
    // Some servers pretty-print: the event is served over several lines, exactly as given.
    const json = opts.indent ? JSON.stringify(body, null, opts.indent) : JSON.stringify(body);
    const stored = { time: Number.isNaN(time) ? eventTime : time, json };
    if (opts.visibleAt !== undefined) this.pending.push({ ...stored, visibleAt: opts.visibleAt });
    else this.insert(stored);
    return body;
  }

  /** `count` events spread evenly over [from, to], created in a shuffled order (ids not by time). */
  addSpread(count: number, from: number, to: number): void {
    const step = count > 1 ? (to - from) / (count - 1) : 0;
    const times = Array.from({ length: count }, (_, i) => Math.round(from + i * step));
    // Creation order interleaves halves so ids do not follow eventTime.
    const order = times.map((_, i) => (i % 2 === 0 ? i / 2 : count - 1 - (i - 1) / 2));
    const made: StoredEvent[] = new Array(count);
    for (const i of order) {
      const body = this.factory.make(times[i]!);
      made[i] = { time: Date.parse(body.eventTime as string), json: JSON.stringify(body) };
    }
    this.bulkInsert(made);
  }

  private bulkInsert(sorted: StoredEvent[]): void {
    const last = this.events[this.events.length - 1];
    if (!last || (sorted[0] && sorted[0].time >= last.time)) {
      for (const e of sorted) this.events.push(e);
      return;
    }
    // A burst that reaches back among existing events: append, then one stable sort (both runs are
    // sorted already, so this is a merge), instead of a splice per event into a large array.
    for (const e of sorted) this.events.push(e);
    this.events.sort((x, y) => x.time - y.time);
  }

  private insert(e: StoredEvent): void {
    const at = this.upperBound(e.time);
    if (at === this.events.length) this.events.push(e);
    else this.events.splice(at, 0, e);
  }

  /** Publish events whose time has come. */
  release(now: number): void {
    if (this.pending.length === 0) return;
    const due = this.pending.filter((p) => p.visibleAt <= now);
    if (due.length === 0) return;
    this.pending = this.pending.filter((p) => p.visibleAt > now);
    for (const p of due) this.insert({ time: p.time, json: p.json });
  }

  /**
   * Visible events in [start, end] (inclusive), newest first, skipping `offset`. Positions are plain
   * offsets, as on the VCO: an event published between two page requests shifts later pages.
   */
  page(
    start: number,
    end: number,
    offset: number,
    limit: number,
  ): { items: StoredEvent[]; more: boolean } {
    const lo = this.lowerBound(start);
    const hi = this.upperBound(end); // exclusive
    const from = hi - offset; // exclusive upper index of this page
    const to = Math.max(lo, from - limit);
    const items: StoredEvent[] = [];
    for (let i = from - 1; i >= to; i--) items.push(this.events[i]!);
    return { items, more: to > lo };
  }

  private lowerBound(t: number): number {
    let a = 0;
    let b = this.events.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (this.events[m]!.time < t) a = m + 1;
      else b = m;
    }
    return a;
  }

  private upperBound(t: number): number {
    let a = 0;
    let b = this.events.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (this.events[m]!.time <= t) a = m + 1;
      else b = m;
    }
    return a;
  }

  /** Every visible event, oldest first, as served (for tests to compare against). */
  all(): Array<Record<string, unknown>> {
    return this.events.map((e) => JSON.parse(e.json) as Record<string, unknown>);
  }
}
