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
