import fsp from "node:fs/promises";

const CHUNK = 1 << 20;

/**
 * Complete lines of an open file from byte `from` to its end as it is when reached, each with the
 * offset just after its newline. A last line without its newline is not a line yet (fetch may be
 * writing it): it is left for the next read. Memory stays at one chunk however big the file.
 */
export async function* linesFrom(
  fh: fsp.FileHandle,
  from: number,
): AsyncGenerator<{ line: string; end: number }> {
  const buf = Buffer.alloc(CHUNK);
  let carry: Buffer = Buffer.alloc(0);
  let pos = from;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) return;
    const data =
      carry.length > 0
        ? Buffer.concat([carry, buf.subarray(0, bytesRead)])
        : buf.subarray(0, bytesRead);
    const base = pos - carry.length;
    pos += bytesRead;
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
      let stop = nl;
      if (stop > start && data[stop - 1] === 0x0d) stop--;
      yield { line: data.toString("utf8", start, stop), end: base + nl + 1 };
      start = nl + 1;
    }
    // Copied: `buf` is reused for the next chunk.
    carry = Buffer.from(data.subarray(start));
  }
}
