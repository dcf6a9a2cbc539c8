const CHUNK = 1 << 20;
/** The first chunk: what most runs of an enterprise write (a few new events) fits. */
const FIRST = 1 << 14;
const NEWLINE = 10;

/**
 * Packs lines (byte ranges of larger buffers) into a few reused 1 MiB buffers, so a slice is
 * written in large pieces without a Buffer per event. The pieces `take` returns stay valid until
 * the next `add`. A run makes one packer per enterprise, so it starts with a small chunk and takes
 * 1 MiB ones only once a slice has outgrown that (a backfill).
 */
export class LinePacker {
  private readonly pool: Buffer[] = [];
  private chunk = -1;
  private pos = CHUNK;
  private size = FIRST;
  /** Bytes of each chunk in use. */
  private readonly filled: number[] = [];

  add(bytes: Buffer, start: number, end: number): void {
    const need = end - start + 1;
    let buf = this.pool[this.chunk];
    if (!buf || this.pos + need > buf.length) buf = this.next(need);
    this.pos += bytes.copy(buf, this.pos, start, end);
    buf[this.pos++] = NEWLINE;
    this.filled[this.chunk] = this.pos;
  }

  /** The packed lines, in order, and a fresh start. */
  take(): Buffer[] {
    const out: Buffer[] = [];
    for (let c = 0; c <= this.chunk; c++) out.push(this.pool[c]!.subarray(0, this.filled[c]));
    this.chunk = -1;
    this.pos = CHUNK;
    return out;
  }

  private next(need: number): Buffer {
    if (this.chunk >= 0) this.size = CHUNK;
    this.chunk++;
    this.pos = 0;
    this.filled[this.chunk] = 0;
    let buf = this.pool[this.chunk];
    if (!buf || buf.length < Math.max(need, this.size)) {
      // A line longer than a chunk gets a buffer of its own size, kept for reuse like the others.
      buf = Buffer.allocUnsafeSlow(Math.max(this.size, need));
      this.pool[this.chunk] = buf;
    }
    return buf;
  }
}
