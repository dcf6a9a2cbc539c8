/**
 * Reused memory for event replies. A backfill receives hundreds of replies of about a megabyte
 * each. Read into a fresh buffer apiece, they are garbage that only a full collection frees, and
 * the process's peak grows with the backlog; read into a few reused buffers, it stays flat.
 */
import type { RepeatTable } from "../dedupe/repeat-index.js";
import type { Columns } from "./event-batch.js";

/** Free items kept for reuse, each big enough for what it is taken for. */
export class Pool<T> {
  private readonly free: T[] = [];

  constructor(
    private readonly sizeOf: (item: T) => number,
    /** How many free items are kept (enough for what is in flight); more go to the garbage collector. */
    private readonly keep = 16,
  ) {}

  /** The smallest free item of at least `size`, or a new one from `make`. */
  take(size: number, make: (size: number) => T): T {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const s = this.sizeOf(this.free[i]!);
      if (s >= size && (best < 0 || s < this.sizeOf(this.free[best]!))) best = i;
    }
    return best >= 0 ? this.free.splice(best, 1)[0]! : make(size);
  }

  /** Kept for reuse; when the pool is full, the smallest item goes to the garbage collector instead. */
  give(item: T): void {
    if (this.free.includes(item)) return;
    if (this.free.length < this.keep) {
      this.free.push(item);
      return;
    }
    let smallest = 0;
    for (let i = 1; i < this.free.length; i++)
      if (this.sizeOf(this.free[i]!) < this.sizeOf(this.free[smallest]!)) smallest = i;
    if (this.sizeOf(this.free[smallest]!) < this.sizeOf(item)) this.free[smallest] = item;
  }
}

const MIN_SIZE = 64 << 10;

/**
 * Rounded up to an eighth of the size's power of two, so that a reply a little larger than the last
 * one still fits, and at most an eighth is wasted (a power of two wasted a third of a 655 KiB page).
 */
export function roundUp(size: number): number {
  const step = Math.max(MIN_SIZE, 2 ** Math.ceil(Math.log2(Math.max(size, 1))) / 8);
  return Math.ceil(size / step) * step;
}

/**
 * The memory one run's pages live in: reply buffers and batch columns (event-batch.ts). The client
 * owns one; what reads a reply takes from it, and a batch gives back to the one it came from.
 */
export class PageMemory {
  /** Reused batch columns, as reply buffers are. */
  readonly columns = new Pool<Columns>((c) => c.capacity);
  /**
   * Reused tables of the queries' repeat indexes (dedupe/repeat-index.ts): one per query a run has
   * open at once, up to six with the defaults (four enterprises, two slices lent beyond them).
   */
  readonly repeatTables = new Pool<RepeatTable>((t) => t.capacity, 6);
  private readonly buffers = new Pool<ArrayBuffer>((ab) => ab.byteLength);
  private readonly pooled = new WeakSet<ArrayBuffer>();
  private biggest = 0;
  private buffersMade = 0;

  /**
   * Reply buffers made so far. Free ones are reused, so this is about the most replies held at
   * once; a reply that outgrows its buffer (no Content-Length) and a full pool make more.
   */
  get made(): number {
    return this.buffersMade;
  }

  /** A buffer of `size` bytes over pooled memory; give it back with giveBuffer when done. */
  takeBuffer(size: number): Buffer {
    return Buffer.from(this.buffers.take(size, this.newPooled), 0, size);
  }

  /** Returns the memory behind `buf` to the pool, if it came from there. */
  giveBuffer(buf: Buffer): void {
    const ab = buf.buffer as ArrayBuffer;
    if (this.pooled.has(ab)) this.buffers.give(ab);
  }

  private readonly newPooled = (size: number): ArrayBuffer => {
    // As big as the biggest reply so far: any free buffer then fits the next page, and the pool
    // makes no more buffers than the most replies held at once. Sized to each reply, a page a
    // little larger than the free buffers left them unused, and a dense backfill made half as many
    // again.
    this.biggest = Math.max(this.biggest, size);
    const ab = new ArrayBuffer(roundUp(this.biggest));
    this.pooled.add(ab);
    this.buffersMade++;
    return ab;
  };
}
