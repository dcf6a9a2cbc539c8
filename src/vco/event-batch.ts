import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { PageMemory } from "./page-pool.js";
import { eventKey } from "./event-key.js";

// A page of 2,048 events kept as 2,048 objects (plus a Buffer view, a key string and a token or two
// each) survives the young generation while its slice is being collected, and a 1M-event backfill
// then spends a quarter of its time in full garbage collections. A batch is one object per page:
// the reply's bytes and a few typed arrays of offsets, times and key hashes, all of them reused
// from page to page.

/** Per-event columns of a batch; only the first `count` entries of each are meaningful. */
export class Columns {
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly time: Float64Array;
  readonly keyStart: Int32Array;
  readonly keyEnd: Int32Array;
  readonly keyHash: Int32Array;

  constructor(readonly capacity: number) {
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.time = new Float64Array(capacity);
    this.keyStart = new Int32Array(capacity);
    this.keyEnd = new Int32Array(capacity);
    this.keyHash = new Int32Array(capacity);
  }

  copyFrom(other: Columns, count: number): void {
    this.start.set(other.start.subarray(0, count));
    this.end.set(other.end.subarray(0, count));
    this.time.set(other.time.subarray(0, count));
    this.keyStart.set(other.keyStart.subarray(0, count));
    this.keyEnd.set(other.keyEnd.subarray(0, count));
    this.keyHash.set(other.keyHash.subarray(0, count));
  }
}

const EMPTY = Buffer.alloc(0);

const newColumns = (capacity: number) => new Columns(Math.max(capacity, 2048));

/** One page of events: the reply's bytes and where each event is in them. */
export class EventBatch {
  /**
   * Set for events an earlier page of the same query already gave (see eventPages), and for those
   * older than the slice the page went into (sync/slice-query.ts).
   */
  repeat: Uint8Array | undefined;
  private columns: Columns | undefined;
  /** The bytes, deflated, while the batch is parked (see park). */
  private parked: Buffer | undefined;
  private parkedLength = 0;

  constructor(
    /** Each event's text is `bytes[start[i], end[i])`. */
    private data: Buffer,
    public count: number,
    columns: Columns,
    /** For the few events read the slow way, the key; for the rest it is `bytes[keyStart[i], keyEnd[i])`. */
    readonly keyText: ReadonlyMap<number, string> | undefined,
    /** Events that were not on one line in the reply, rewritten on one line (JSON.stringify). */
    readonly rewritten: ReadonlyMap<number, Buffer> | undefined,
    /** Newest first with no rise anywhere, as the VCO promises. */
    readonly descending: boolean,
    readonly oldest: number,
    readonly newest: number,
    /** Where `bytes` and the columns go back on release. */
    private readonly memory: PageMemory,
  ) {
    this.columns = columns;
    this.start = columns.start;
    this.end = columns.end;
    this.time = columns.time;
    this.keyStart = columns.keyStart;
    this.keyEnd = columns.keyEnd;
    this.keyHash = columns.keyHash;
  }

  readonly start: Int32Array;
  readonly end: Int32Array;
  /** eventTime, epoch ms. */
  readonly time: Float64Array;
  readonly keyStart: Int32Array;
  readonly keyEnd: Int32Array;
  /** A 30-bit hash of the key's UTF-8 text: equal keys, equal hashes. */
  readonly keyHash: Int32Array;

  /** The reply's bytes. Not while parked. */
  get bytes(): Buffer {
    if (this.parked) throw new Error("a parked batch was read before unpark()");
    return this.data;
  }

  /**
   * For a page that will wait long before it is written (see sync/slices.ts): its bytes are kept
   * deflated (5-9% of their size for the simulator's events), and the reply buffer goes back to
   * the pool for the pages read meanwhile. The columns stay as they are.
   */
  park(): void {
    if (this.parked || this.columns === undefined) return;
    this.parked = deflateRawSync(this.data, { level: 1 });
    this.parkedLength = this.data.length;
    this.memory.giveBuffer(this.data);
    this.data = EMPTY;
  }

  /** The bytes back, as they were. */
  unpark(): void {
    if (!this.parked) return;
    // In one piece, not in 16 KiB ones joined after; one byte more than the page, since an output
    // that fills its chunk exactly makes zlib allocate a second one before it sees the end.
    this.data = inflateRawSync(this.parked, { chunkSize: Math.max(this.parkedLength + 1, 64) });
    this.parked = undefined;
  }

  key(i: number): string {
    return this.keyText?.get(i) ?? this.bytes.toString("utf8", this.keyStart[i], this.keyEnd[i]);
  }

  /** The event as one line of JSON, without the newline. */
  line(i: number): Buffer {
    return this.rewritten?.get(i) ?? this.bytes.subarray(this.start[i], this.end[i]);
  }

  sameKey(i: number, other: EventBatch, j: number): boolean {
    if (this.keyHash[i] !== other.keyHash[j]) return false;
    if (this.keyText || other.keyText) return this.key(i) === other.key(j);
    const [a, b] = [this.keyStart[i]!, this.keyEnd[i]!];
    return this.bytes.compare(other.bytes, other.keyStart[j], other.keyEnd[j], a, b) === 0;
  }

  /** Done with: its memory goes back to the pools, and it holds no events any more. */
  release(): void {
    if (this.columns) this.memory.columns.give(this.columns);
    this.memory.giveBuffer(this.data);
    this.data = EMPTY;
    this.parked = undefined;
    this.columns = undefined;
    this.count = 0;
  }
}

/** FNV-1a over `bytes[from, to)`, cut to 30 bits so it stays a small integer in V8. */
export function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h >>> 2) & 0x3fffffff;
}

/** Collects events into the columns of a batch, growing them as needed. */
export class BatchBuilder {
  private n = 0;
  private c: Columns;
  private keyText: Map<number, string> | undefined;
  private rewritten: Map<number, Buffer> | undefined;
  private descending = true;
  private oldest = Number.POSITIVE_INFINITY;
  private newest = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly memory: PageMemory,
    capacity = 2048,
  ) {
    this.c = memory.columns.take(capacity, newColumns);
  }

  get count(): number {
    return this.n;
  }

  /** An event whose key is `bytes[keyStart, keyEnd)`. */
  add(
    start: number,
    end: number,
    time: number,
    keyStart: number,
    keyEnd: number,
    hash: number,
  ): void {
    const i = this.reserve(time);
    const c = this.c;
    c.start[i] = start;
    c.end[i] = end;
    c.keyStart[i] = keyStart;
    c.keyEnd[i] = keyEnd;
    c.keyHash[i] = hash;
  }

  /**
   * An event whose key is not plain text in the bytes (read the slow way); `line` replaces its
   * bytes in the output when they were not on one line.
   */
  addWithKey(start: number, end: number, time: number, key: string, line?: Buffer): void {
    const i = this.reserve(time);
    if (line) (this.rewritten ??= new Map()).set(i, line);
    const c = this.c;
    c.start[i] = start;
    c.end[i] = end;
    const utf8 = Buffer.from(key, "utf8");
    c.keyHash[i] = hashBytes(utf8, 0, utf8.length);
    (this.keyText ??= new Map()).set(i, key);
  }

  /** The batch over `bytes` (pooled memory goes back to the pool on release). */
  build(bytes: Buffer): EventBatch {
    const { n, c, keyText, rewritten, descending, oldest, newest } = this;
    return new EventBatch(bytes, n, c, keyText, rewritten, descending, oldest, newest, this.memory);
  }

  /** Nothing built after all: the columns go back. */
  discard(): void {
    this.memory.columns.give(this.c);
  }

  private reserve(time: number): number {
    const i = this.n++;
    if (i === this.c.capacity) {
      const pool = this.memory.columns;
      const bigger = pool.take(i * 2, newColumns);
      bigger.copyFrom(this.c, i);
      pool.give(this.c);
      this.c = bigger;
    }
    const times = this.c.time;
    if (i > 0 && time > times[i - 1]!) this.descending = false;
    times[i] = time;
    if (time < this.oldest) this.oldest = time;
    if (time > this.newest) this.newest = time;
    return i;
  }
}

/**
 * A batch from events that went through JSON.parse (a reply the scanner declined): each is written
 * back out with JSON.stringify. Returns a reason string for the first unusable event.
 */
export function batchFromParsed(
  events: readonly unknown[],
  memory: PageMemory,
): EventBatch | string {
  const builder = new BatchBuilder(memory, Math.max(events.length, 1));
  const lines: Buffer[] = [];
  let offset = 0;
  for (const event of events) {
    const keyed = eventKey(event);
    if (typeof keyed === "string") {
      builder.discard();
      return keyed;
    }
    const line = Buffer.from(JSON.stringify(event), "utf8");
    builder.addWithKey(offset, offset + line.length, keyed.time, keyed.key);
    lines.push(line);
    offset += line.length;
  }
  return builder.build(Buffer.concat(lines, offset));
}
