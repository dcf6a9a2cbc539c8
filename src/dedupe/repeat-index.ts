// Dedupe has two halves, side by side here: within one query (this file: a page that repeats an
// event an earlier page gave) and across runs (seen-window.ts: the overlap re-read each run).
import type { EventBatch } from "../vco/event-batch.js";
import type { Pool } from "../vco/page-pool.js";

/** One page's worth to start with; a table doubles from there. */
const MIN_ENTRIES = 2048;

/**
 * The memory of a RepeatIndex: its entries (an event's key hash, and where the event is) and an
 * open-addressing table over them. Reused from query to query through the client's PageMemory.
 */
export class RepeatTable {
  /** Entry + 1 by key hash, linear probing; 0 is free. At most half full. */
  readonly slots: Int32Array;
  readonly hashes: Int32Array;
  /** The entry's page: its number among the query's pages. */
  readonly pages: Int32Array;
  /** The entry's event on that page. */
  readonly events: Int32Array;

  constructor(readonly capacity: number) {
    this.slots = new Int32Array(2 * capacity);
    this.hashes = new Int32Array(capacity);
    this.pages = new Int32Array(capacity);
    this.events = new Int32Array(capacity);
  }
}

/** A table for at least `entries` (a power of two; the caller asks for MIN_ENTRIES at least). */
const tableFor = (entries: number) => new RepeatTable(2 ** Math.ceil(Math.log2(entries)));

/**
 * Keys of a query's events so far, by hash: a page that repeats an event an earlier page gave (new
 * events arrived mid-walk, or a legacy VCO re-asked from the oldest second) has it marked.
 *
 * In typed arrays taken from a pool, not a Map of numbers: a dense backfill walks a few queries of
 * up to 12,000 events at a time, hundreds of them in all, and each Map's table (half a megabyte at
 * that size, and a new one each time it grew) was a large object that only a full collection
 * freed. They made 3-4 MiB of the dense backfill's peak (docs/bench.md).
 */
export class RepeatIndex {
  private readonly batches: EventBatch[] = [];
  private table: RepeatTable | undefined;
  private n = 0;

  constructor(private readonly tables: Pool<RepeatTable>) {}

  /** Marks the repeats in `batch` (the first copy wins) and returns how many there were. */
  mark(batch: EventBatch): number {
    const page = this.batches.push(batch) - 1;
    let count = 0;
    for (let i = 0; i < batch.count; i++) {
      if (this.find(batch, i)) {
        (batch.repeat ??= new Uint8Array(batch.count))[i] = 1;
        count++;
      } else this.add(batch.keyHash[i]!, page, i);
    }
    return count;
  }

  /** Done with the query: the table goes back to the pool, and no page is held. */
  release(): void {
    if (this.table) this.tables.give(this.table);
    this.table = undefined;
    this.batches.length = 0;
    this.n = 0;
  }

  /** Whether an earlier event of the query has the key of `batch`'s event i. */
  private find(batch: EventBatch, i: number): boolean {
    const t = this.table;
    if (!t) return false;
    const hash = batch.keyHash[i]!;
    const mask = t.slots.length - 1;
    for (let slot = hash & mask; t.slots[slot] !== 0; slot = (slot + 1) & mask) {
      const e = t.slots[slot]! - 1;
      if (t.hashes[e] !== hash) continue;
      if (this.batches[t.pages[e]!]!.sameKey(t.events[e]!, batch, i)) return true;
    }
    return false;
  }

  private add(hash: number, page: number, event: number): void {
    if (!this.table || this.n === this.table.capacity) this.grow();
    const t = this.table!;
    const e = this.n++;
    t.hashes[e] = hash;
    t.pages[e] = page;
    t.events[e] = event;
    index(t, e);
  }

  /** A table twice as large (or a first one), with the entries so far moved over. */
  private grow(): void {
    const from = this.table;
    const want = Math.max(MIN_ENTRIES, 2 * this.n);
    const to = this.tables.take(want, tableFor);
    to.slots.fill(0);
    if (from) {
      to.hashes.set(from.hashes.subarray(0, this.n));
      to.pages.set(from.pages.subarray(0, this.n));
      to.events.set(from.events.subarray(0, this.n));
      this.tables.give(from);
    }
    for (let e = 0; e < this.n; e++) index(to, e);
    this.table = to;
  }
}

function index(t: RepeatTable, e: number): void {
  const mask = t.slots.length - 1;
  let slot = t.hashes[e]! & mask;
  while (t.slots[slot] !== 0) slot = (slot + 1) & mask;
  t.slots[slot] = e + 1;
}
