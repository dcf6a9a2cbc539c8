/**
 * Reused memory for event replies. A backfill receives hundreds of replies of about a megabyte
 * each. Read into a fresh buffer apiece, they are garbage that only a full collection frees, and
 * the process's peak grows with the backlog; read into a few reused buffers, it stays flat.
 */
import type { Columns } from "./event-batch.js";

/** Free items kept for reuse, each big enough for what it is taken for. */
export class Pool<T> {
  private readonly free: T[] = [];

  constructor(
    private readonly sizeOf: (item: T) => number,
    /** Enough for the pages of two slices in flight; more are left to the garbage collector. */
    private readonly keep = 16,
  ) {}

  /** A free item of at least `size`, or a new one from `make`. */
  take(size: number, make: (size: number) => T): T {
    const i = this.free.findIndex((item) => this.sizeOf(item) >= size);
    return i >= 0 ? this.free.splice(i, 1)[0]! : make(size);
  }

  give(item: T): void {
    if (this.free.length < this.keep && !this.free.includes(item)) this.free.push(item);
  }
}

const MIN_SIZE = 1 << 20;

/**
 * The memory one run's pages live in: reply buffers and batch columns (event-batch.ts). The client
 * owns one; what reads a reply takes from it, and a batch gives back to the one it came from.
 */
export class PageMemory {
  /** Reused batch columns, as reply buffers are. */
  readonly columns = new Pool<Columns>((c) => c.capacity);
  private readonly buffers = new Pool<ArrayBuffer>((ab) => ab.byteLength);
  private readonly pooled = new WeakSet<ArrayBuffer>();

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
    // Rounded up, so a reply a little larger than the last one still fits.
    const ab = new ArrayBuffer(Math.max(MIN_SIZE, 2 ** Math.ceil(Math.log2(size))));
    this.pooled.add(ab);
    return ab;
  };
}
