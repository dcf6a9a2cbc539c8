import assert from "node:assert/strict";
import { it } from "node:test";
import { LinePacker } from "../../src/sink/line-packer.js";

it("packs byte ranges as lines into a few large pieces, one line never split", () => {
  const packer = new LinePacker();
  const text = Buffer.from("x".repeat(300_000) + "y".repeat(1_500_000));
  const want: string[] = [];
  for (let round = 0; round < 2; round++) {
    // 10 lines of 300 kB (more than a 1 MiB chunk holds) and one longer than a chunk
    for (let i = 0; i < 10; i++) {
      packer.add(text, 0, 300_000);
      want.push("x".repeat(300_000));
    }
    packer.add(text, 300_000, 1_800_000);
    want.push("y".repeat(1_500_000));
    const pieces = packer.take();
    assert.ok(pieces.length > 1 && pieces.length < 11, `${pieces.length} pieces`);
    for (const p of pieces) assert.equal(p[p.length - 1], 10, "each piece ends with a whole line");
    const got = Buffer.concat(pieces).toString().split("\n");
    assert.equal(got.pop(), "");
    assert.deepEqual(got, want.splice(0));
  }
});

it("a packer that only ever packs a few lines stays small; one that packs a slice grows to 1 MiB", () => {
  // A run makes one packer per enterprise, and most enterprises have a few new events, or none.
  const packer = new LinePacker();
  const line = Buffer.from("z".repeat(500));
  for (let i = 0; i < 5; i++) packer.add(line, 0, line.length);
  const few = packer.take();
  assert.equal(Buffer.concat(few).toString(), `${"z".repeat(500)}\n`.repeat(5));
  assert.ok(few[0]!.buffer.byteLength <= 16_384, `${few[0]!.buffer.byteLength} bytes for 5 lines`);
  for (let i = 0; i < 5_000; i++) packer.add(line, 0, line.length);
  const many = packer.take();
  assert.equal(Buffer.concat(many).length, 5_000 * 501);
  assert.ok(
    many.slice(1).every((p) => p.buffer.byteLength === 1 << 20),
    "then 1 MiB chunks",
  );
  for (let i = 0; i < 5_000; i++) packer.add(line, 0, line.length);
  const again = packer.take();
  assert.ok(again.length <= 3, `${again.length} pieces once grown`);
});
