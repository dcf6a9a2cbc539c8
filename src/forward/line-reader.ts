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

/** What countLinesFrom found: complete lines that are not blank, and the first of them. */
export interface LineCount {
  count: number;
  first: string | undefined;
}

/**
 * The lines linesFrom would give from byte `from` that are not blank (`line.trim() === ""`),
 * counted in the file's bytes, and the first of them as text: what `status` needs of a sink's
 * unsent lines. A string per line made `status` take seconds over a day's dense backlog, every
 * minute the image's healthcheck runs it. A line that starts with a printable ASCII character is
 * not blank, so only a line that starts otherwise (a space, a control byte, UTF-8) is decoded to
 * tell; the newline is found by Buffer.indexOf.
 */
export async function countLinesFrom(fh: fsp.FileHandle, from: number): Promise<LineCount> {
  const buf = Buffer.allocUnsafe(CHUNK);
  let count = 0;
  let first: string | undefined;
  /** The line being read: no byte yet, known not blank, or to be decoded to tell. */
  let kind: "empty" | "plain" | "decode" = "empty";
  /** Its bytes so far, while they are needed: to tell, or as the first line. */
  let kept: Buffer[] = [];
  let pos = from;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) return { count, first };
    pos += bytesRead;
    const data = buf.subarray(0, bytesRead);
    let start = 0;
    while (start < data.length) {
      const nl = data.indexOf(0x0a, start);
      const stop = nl < 0 ? data.length : nl;
      if (stop > start) {
        if (kind === "empty") kind = printable(data[start]!) ? "plain" : "decode";
        if (kind === "decode" || first === undefined)
          kept.push(Buffer.from(data.subarray(start, stop)));
      }
      if (nl < 0) break;
      // A complete line: the same text linesFrom gives (one \r before the newline dropped).
      const text = kind === "plain" && first !== undefined ? undefined : lineText(kept);
      if (kind === "plain" || (text !== undefined && text.trim() !== "")) {
        count++;
        first ??= text;
      }
      kind = "empty";
      kept = [];
      start = nl + 1;
    }
  }
}

/** A byte that trim() never removes: printable ASCII other than the space. */
const printable = (b: number): boolean => b > 0x20 && b < 0x7f;

function lineText(parts: Buffer[]): string {
  const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const stop =
    bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  return bytes.toString("utf8", 0, stop);
}
