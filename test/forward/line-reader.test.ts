import assert from "node:assert/strict";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { countLinesFrom, linesFrom } from "../../src/forward/line-reader.js";
import { tempDir } from "../helpers/tmp.js";

const MiB = 1 << 20;

/** What `status` counted before countLinesFrom: linesFrom's lines that trim() leaves something of. */
async function byLines(file: string, from: number) {
  const fh = await fsp.open(file, "r");
  try {
    let count = 0;
    let first: string | undefined;
    for await (const { line } of linesFrom(fh, from)) {
      if (line.trim() === "") continue;
      count++;
      first ??= line;
    }
    return { count, first };
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

describe("countLinesFrom", () => {
  it("counts what linesFrom gives that is not blank, and returns the first of it", async () => {
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
    const want = await byLines(file, 0);
    assert.deepEqual(want, {
      count: 4,
      first: ' {"eventTime":"2026-11-30T10:00:00.000Z","n":1}',
    });
    assert.deepEqual(await counted(file, 0), want);
    // From every offset, as a sink's cursor can be anywhere a line ended.
    for (let from = 0; from <= Buffer.byteLength(text); from++) {
      assert.deepEqual(await counted(file, from), await byLines(file, from), `from ${from}`);
    }
  });

  it("the same across read chunks: lines and blank runs that straddle each 1 MiB boundary", async () => {
    const parts: string[] = [];
    let size = 0;
    const push = (s: string) => {
      parts.push(s);
      size += Buffer.byteLength(s);
    };
    // Each boundary cut inside a line that starts with spaces, so only its bytes after the cut
    // tell whether it is blank: content after the cut, more spaces, a no-break space cut in two.
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
    const want = await byLines(file, 0);
    assert.ok(want.count > 50_000, `${want.count} lines`);
    assert.deepEqual(await counted(file, 0), want);
    assert.deepEqual(await counted(file, MiB - 30), await byLines(file, MiB - 30));
  });

  it("an empty file and a file with no complete line count nothing", async () => {
    assert.deepEqual(await counted(write(""), 0), { count: 0, first: undefined });
    assert.deepEqual(await counted(write('{"n":1}'), 0), { count: 0, first: undefined });
  });
});
