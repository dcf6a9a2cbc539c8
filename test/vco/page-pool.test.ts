import assert from "node:assert/strict";
import { test } from "node:test";
import { PageMemory, Pool, roundUp } from "../../src/vco/page-pool.js";

test("reply buffers are rounded up by at most an eighth, never to the next power of two", () => {
  assert.equal(roundUp(655_000), 640 * 1024);
  assert.equal(roundUp(655_361), 768 * 1024);
  assert.equal(roundUp(1), 64 * 1024);
  assert.equal(roundUp(1 << 20), 1 << 20);
  assert.equal(roundUp((1 << 20) + 1), (1 << 20) + (256 << 10));
  for (const size of [1, 1000, 70_000, 655_000, 1_048_577, 5_000_000])
    assert.ok(roundUp(size) >= size && roundUp(size) <= Math.max(size + 64 * 1024, size * 1.25));
});

test("the pool gives the smallest free item that fits, and drops the smallest when full", () => {
  const pool = new Pool<number[]>((a) => a.length, 2);
  const small = new Array<number>(10);
  const big = new Array<number>(100);
  pool.give(big);
  pool.give(small);
  assert.equal(
    pool.take(5, () => []),
    small,
  );
  pool.give(small);
  assert.equal(
    pool.take(50, () => []),
    big,
  );
  const made: number[] = [];
  assert.deepEqual(pool.take(500, (n) => (made.push(n), new Array<number>(n))).length, 500);
  assert.deepEqual(made, [500]);
  // Full (small, big): a larger item replaces the smallest, a smaller one is not kept.
  pool.give(big);
  const larger = new Array<number>(200);
  pool.give(larger);
  assert.equal(
    pool.take(5, () => []),
    big,
  );
  assert.equal(
    pool.take(5, () => []),
    larger,
  );
});

test("a buffer given back is reused for the next reply of about the same size", () => {
  const memory = new PageMemory();
  const a = memory.takeBuffer(655_000);
  memory.giveBuffer(a);
  const b = memory.takeBuffer(650_000);
  assert.ok(b.buffer === a.buffer, "the same memory");
  assert.equal(b.length, 650_000);
  const c = memory.takeBuffer(650_000);
  assert.ok(c.buffer !== a.buffer, "taken memory is not handed out twice");
});

test("a new reply buffer is as big as the biggest reply so far, so that any free one fits the next page", () => {
  const memory = new PageMemory();
  const large = memory.takeBuffer(700_000);
  // Made while the large one is out: sized to the reply, it could not take the next large page.
  const small = memory.takeBuffer(600_000);
  assert.ok(small.buffer.byteLength >= 700_000, `${small.buffer.byteLength} bytes`);
  memory.giveBuffer(small);
  const next = memory.takeBuffer(690_000);
  assert.ok(next.buffer === small.buffer, "the free buffer is reused, not a third one made");
  assert.equal(memory.made, 2);
  memory.giveBuffer(large);
  memory.giveBuffer(next);
});
