import assert from "node:assert/strict";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { countLinesFrom, linesFrom } from "../../src/forward/line-reader.js";
import { tempDir } from "../helpers/tmp.js";

const MiB = 1 << 20;

/**
 * Worked out from the whole file at once, not by the reader: the complete lines from byte `from`
 * (a last line without its newline is not one yet), one \r before each newline dropped, each with
 * the offset just after its newline.
 */
function linesOf(file: string, from: number): Array<{ line: string; end: number }> {
  const bytes = fs.readFileSync(file);
  const out: Array<{ line: string; end: number }> = [];
  for (let start = from, nl = bytes.indexOf(0x0a, from); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
    const stop = nl > start && bytes[nl - 1] === 0x0d ? nl - 1 : nl;
    out.push({ line: bytes.toString("utf8", start, stop), end: nl + 1 });
    start = nl + 1;
  }
  return out;
}

/** What `status` must count: the lines that trim() leaves something of, and the first of them. */
function byLines(file: string, from: number) {
  const kept = linesOf(file, from)
    .map((l) => l.line)
    .filter((l) => l.trim() !== "");
  return { count: kept.length, first: kept[0] };
}

async function read(file: string, from: number) {
  const fh = await fsp.open(file, "r");
  try {
    const out: Array<{ line: string; end: number }> = [];
    for await (const l of linesFrom(fh, from)) out.push(l);
    return out;
  } finally {
    await fh.close();
  }
}

async function counted(file: string, from: number) {
  const fh = await fsp.open(file, "r");
  try {
    return await countLinesFrom(fh, from);
  } finally {
    await fh.close();
  }
}

function write(text: string | Buffer): string {
  const file = path.join(tempDir(), "events.json");
  fs.writeFileSync(file, text);
  return file;
}

describe("linesFrom and countLinesFrom", () => {
  it("give the complete lines, and count those that are not blank, from any offset", async () => {
    // Blank in every way trim() knows (spaces, tabs, CR, a no-break space, a BOM), CRLF endings,
    // UTF-8 at a line's start, and a last line still being written (no newline yet).
    const text =
      "\n \t \r\n\u00a0\n\ufeff\n" +
      ' {"eventTime":"2026-11-30T10:00:00.000Z","n":1}\r\n' +
      '{"n":2}\n\n' +
      "é\n" +
      '\u00a0{"n":4}\n' +
      '{"n":5,"partial"';
    const file = write(text);
    const want = byLines(file, 0);
    assert.deepEqual(want, {
      count: 4,
      first: ' {"eventTime":"2026-11-30T10:00:00.000Z","n":1}',
    });
    assert.deepEqual(await counted(file, 0), want);
    // From every offset, as a sink's cursor can be anywhere a line ended.
    for (let from = 0; from <= Buffer.byteLength(text); from++) {
      assert.deepEqual(await read(file, from), linesOf(file, from), `lines from ${from}`);
      assert.deepEqual(await counted(file, from), byLines(file, from), `count from ${from}`);
    }
  });

  it("the same across read chunks: lines and blank runs that straddle each 1 MiB boundary", async () => {
    const parts: string[] = [];
    let size = 0;
    const push = (s: string) => {
      parts.push(s);
      size += Buffer.byteLength(s);
    };
    // Each case a line that starts with spaces, cut so that only its bytes after the cut tell
    // whether it is blank: content after the cut, more spaces, a no-break space cut in two.
    const across: Array<[number, string]> = [
      [5, '     {"after":1}\n'],
      [5, "          \n"],
      [1, "\u00a0\n"],
    ];
    for (const [i, [before, line]] of across.entries()) {
      const boundary = (3 * i + 1) * MiB;
      while (size < boundary - 60) push(`{"n":${size}}\n`);
      push(" ".repeat(boundary - before - size) + line);
      push("x".repeat(2 * MiB + 10) + "\n"); // the next chunk holds no newline at all
    }
    const file = write(parts.join(""));
    const want = byLines(file, 0);
    assert.ok(want.count > 50_000, `${want.count} lines`);
    // The first read ends 1 MiB after where it starts: from 0, 3 and 6 MiB it cuts each case.
    for (const from of [0, 3 * MiB, 6 * MiB, MiB - 30]) {
      assert.deepEqual(await counted(file, from), byLines(file, from), `count from ${from}`);
      assert.deepEqual(await read(file, from), linesOf(file, from), `lines from ${from}`);
    }
  });

  it("an empty file and a file with no complete line count nothing", async () => {
    assert.deepEqual(await counted(write(""), 0), { count: 0, first: undefined });
    assert.deepEqual(await counted(write('{"n":1}'), 0), { count: 0, first: undefined });
  });
});
