import fsp from "node:fs/promises";

const CHUNK = 1 << 20;

/**
 * An open file from byte `from` to its end as it is when reached, a chunk of complete lines at a
 * time: `data` ends with a newline, and `base` is its first byte's offset in the file. A line cut
 * by a chunk's end is carried to the next; a last line without its newline is not a line yet
 * (fetch may be writing it) and is left for the next read. `data` is valid until the next chunk is
 * asked for. Memory stays at one chunk however big the file.
 */
async function* wholeLines(
  fh: fsp.FileHandle,
  from: number,
): AsyncGenerator<{ data: Buffer; base: number }> {
  let buf = Buffer.alloc(CHUNK);
  /** Bytes of a cut line at the start of `buf`, waiting for the rest of it. */
  let cut = 0;
  let pos = from;
  for (;;) {
    if (cut === buf.length) {
      // A line longer than the buffer: room for more of it.
      const bigger = Buffer.alloc(2 * buf.length);
      buf.copy(bigger, 0, 0, cut);
      buf = bigger;
    }
    const { bytesRead } = await fh.read(buf, cut, buf.length - cut, pos);
    if (bytesRead === 0) return;
    pos += bytesRead;
    const end = cut + bytesRead;
    const last = buf.lastIndexOf(0x0a, end - 1);
    if (last >= 0) yield { data: buf.subarray(0, last + 1), base: pos - end };
    // The cut line moves to the front, where the next read goes on with it.
    cut = end - (last + 1);
    buf.copyWithin(0, last + 1, end);
  }
}

/** The line that ends at the newline `nl`, without it and one \r before it. */
function lineAt(data: Buffer, start: number, nl: number): string {
  const stop = nl > start && data[nl - 1] === 0x0d ? nl - 1 : nl;
  return data.toString("utf8", start, stop);
}

/** Complete lines of an open file from byte `from` (see wholeLines), each with the offset just after its newline. */
export async function* linesFrom(
  fh: fsp.FileHandle,
  from: number,
): AsyncGenerator<{ line: string; end: number }> {
  for await (const { data, base } of wholeLines(fh, from)) {
    for (
      let start = 0, nl = data.indexOf(0x0a);
      nl >= 0;
      start = nl + 1, nl = data.indexOf(0x0a, start)
    ) {
      yield { line: lineAt(data, start, nl), end: base + nl + 1 };
    }
  }
}

/** What countLinesFrom found: complete lines that are not blank, and the first of them. */
export interface LineCount {
  count: number;
  first: string | undefined;
}

/**
 * The lines linesFrom gives that are not blank (`line.trim() === ""`), counted, and the first of
 * them: what `status` needs of a sink's unsent lines. A string per line, each through an async
 * generator, made `status` take seconds over a day's dense backlog, every minute the image's
 * healthcheck runs it. A line that starts with printable ASCII is not blank, so only the first
 * line and lines that start otherwise (a space, a control byte, UTF-8) are decoded.
 */
export async function countLinesFrom(fh: fsp.FileHandle, from: number): Promise<LineCount> {
  let count = 0;
  let first: string | undefined;
  for await (const { data } of wholeLines(fh, from)) {
    for (
      let start = 0, nl = data.indexOf(0x0a);
      nl >= 0;
      start = nl + 1, nl = data.indexOf(0x0a, start)
    ) {
      if (first !== undefined && nl > start && printable(data[start]!)) {
        count++;
        continue;
      }
      const line = lineAt(data, start, nl);
      if (line.trim() === "") continue;
      count++;
      first ??= line;
    }
  }
  return { count, first };
}

/** A byte that trim() never removes: printable ASCII other than the space. */
const printable = (b: number): boolean => b > 0x20 && b < 0x7f;
