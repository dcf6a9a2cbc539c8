/**
 * Reused memory for event replies. A backfill receives hundreds of replies of about a megabyte
 * each. Read into a fresh buffer apiece, they are garbage that only a full collection frees, and
 * the process's peak grows with the backlog; read into a few reused buffers, it stays flat.
 */
const free: ArrayBuffer[] = [];
const pooled = new WeakSet<ArrayBuffer>();

/** Enough for the pages of two slices in flight; more are left to the garbage collector. */
const KEEP = 16;
const MIN_SIZE = 1 << 20;

/** A buffer of `size` bytes over pooled memory; give it back with giveBuffer when done. */
export function takeBuffer(size: number): Buffer {
  const i = free.findIndex((b) => b.byteLength >= size);
  const ab = i >= 0 ? free.splice(i, 1)[0]! : newPooled(size);
  return Buffer.from(ab, 0, size);
}

/** Returns the memory behind `buf` to the pool, if it came from there. */
export function giveBuffer(buf: Buffer): void {
  const ab = buf.buffer as ArrayBuffer;
  if (!pooled.has(ab) || free.length >= KEEP || free.includes(ab)) return;
  free.push(ab);
}

function newPooled(size: number): ArrayBuffer {
  // Rounded up, so a reply a little larger than the last one still fits.
  const ab = new ArrayBuffer(Math.max(MIN_SIZE, 2 ** Math.ceil(Math.log2(size))));
  pooled.add(ab);
  return ab;
}
