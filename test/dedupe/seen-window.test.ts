import assert from "node:assert/strict";
import { it } from "node:test";
import { SeenWindow } from "../../src/dedupe/seen-window.js";
import { EventScanner } from "../../src/vco/event-scan.js";
import { PageMemory } from "../../src/vco/page-pool.js";
import { nextSliceMs, TARGET_PER_SLICE } from "../../src/sync/slicing.js";

it("remembers keys in the window and forgets older ones", () => {
  const w = new SeenWindow([
    ["a", 100],
    ["b", 200],
  ]);
  w.add("c", 300);
  assert.ok(w.has("a") && w.has("c"));
  assert.equal(w.newest, 300);
  w.prune(200);
  assert.ok(!w.has("a") && w.has("b") && w.has("c"));
  assert.deepEqual(w.toJSON(), [
    ["b", 200],
    ["c", 300],
  ]);
});

/** The window's JSON, its pieces put together (each is copied: the next one reuses its memory). */
const json = (w: SeenWindow): string =>
  Buffer.concat(Array.from(w.json(), (piece) => Buffer.from(piece))).toString();

it("keeps keys compactly, exactly as a Map of key to time would", () => {
  // Ordered adds with pruning (a backfill), then out-of-order adds and re-adds (a recovery).
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const keys = ["0", "42", 'a"b', "back\\slash", "tab\t", "é-ü", "\u{1F600}", "x".repeat(300)];
  const w = new SeenWindow();
  const model = new Map<string, number>();
  let t = 1_000;
  for (let step = 0; step < 60_000; step++) {
    const key = random() < 0.1 ? keys[step % keys.length]! : `k${Math.floor(random() * 40_000)}`;
    const time = step < 30_000 ? (t += Math.floor(random() * 3)) : t - Math.floor(random() * 500);
    w.add(key, time);
    model.set(key, time);
    if (step % 97 === 0) {
      const before = t - 400;
      w.prune(before);
      for (const [k, v] of model) if (v < before) model.delete(k);
    }
    if (step % 1000 === 0) {
      assert.equal(w.size, model.size);
      assert.deepEqual(new Map(w.toJSON()), model);
      assert.equal(json(w), JSON.stringify(w.toJSON()));
    }
  }
  for (const k of ["k1", "k2", ...keys]) assert.equal(w.has(k), model.has(k), k);
  assert.deepEqual(new Map(new SeenWindow(JSON.parse(json(w))).toJSON()), model);
  const big = new SeenWindow(
    Array.from({ length: 20_000 }, (_, i) => [`${i}${"y".repeat(i % 50)}`, i] as const),
  );
  assert.equal(json(big), JSON.stringify(big.toJSON()), "a window saved in several pieces");
  w.prune(Number.POSITIVE_INFINITY);
  assert.equal(w.size, 0);
  assert.equal(w.newest, undefined);
  assert.equal(json(w), "[]");
});

it("a window of a few keys takes memory for a few keys, not for a dense enterprise's", () => {
  // A run makes one window per enterprise: a thousand quiet ones must not cost a thousand buffers
  // sized for a backfill (they were 75 KiB each, most of it the buffer json() writes into).
  const w = new SeenWindow([
    ["4711", 1_000],
    ["4712", 2_000],
  ]);
  const pieces = Array.from(w.json(), (piece) => ({
    text: piece.toString(),
    memory: piece.buffer.byteLength,
  }));
  assert.deepEqual(
    pieces.map((p) => p.text),
    ['[["4711",1000],["4712",2000]]'],
  );
  assert.ok(pieces[0]!.memory < 1024, `${pieces[0]!.memory} bytes for two keys`);
  for (let i = 0; i < 5_000; i++) w.add(`k${i}`, 3_000 + i);
  const grown = Array.from(w.json(), (piece) => piece.buffer.byteLength);
  assert.ok(
    grown.length > 1 && grown.every((m) => m >= 1 << 16),
    "a large window, in large pieces",
  );
});

it("finds the keys of a scanned reply as the strings batch.key(i) gives", () => {
  const events = [
    { id: 12, eventTime: "2024-01-01T00:00:02.000Z" },
    { logicalId: "6f1c-\u00e9", eventTime: "2024-01-01T00:00:01.000Z" },
    { id: "esc\\aped", eventTime: "2024-01-01T00:00:00.000Z" },
  ];
  const batch = new EventScanner(new PageMemory()).scan(
    Buffer.from(JSON.stringify({ metaData: {}, data: events })),
  )!.data;
  const w = new SeenWindow([["esc\\aped", 5]]);
  assert.ok(w.hasEvent(batch, 2), "a key read the slow way");
  assert.ok(!w.hasEvent(batch, 0));
  w.addEvent(batch, 0, batch.time[0]!);
  w.addEvent(batch, 1, batch.time[1]!);
  assert.ok(w.has("12") && w.has("6f1c-\u00e9") && w.hasEvent(batch, 1));
});

it("adapts the slice length to what the last slice held", () => {
  assert.equal(nextSliceMs(10_000, TARGET_PER_SLICE, 1e9), 10_000);
  assert.equal(nextSliceMs(10_000, TARGET_PER_SLICE * 2, 1e9), 5_000);
  assert.equal(nextSliceMs(10_000, 0, 1e9), 40_000);
  assert.equal(nextSliceMs(10_000, 0, 15_000), 15_000, "never past the window");
  assert.equal(nextSliceMs(1000, TARGET_PER_SLICE * 100, 1e9), 1000, "at least a second");
});

it("makes room for a key longer than the arena has left, whole", () => {
  // The arena starts at 256 bytes and grows by half: a rebuild must count the key it makes room for.
  for (const length of [200, 1000, 70_000]) {
    const w = new SeenWindow([["a", 1]]);
    const long = "k".repeat(length);
    w.add(long, 2);
    w.add("b", 3);
    assert.ok(w.has("a") && w.has(long) && w.has("b"), `a ${length}-byte key`);
    assert.ok(!w.has(long.slice(1)), "not a shorter one");
    assert.deepEqual(w.toJSON(), [
      ["a", 1],
      [long, 2],
      ["b", 3],
    ]);
  }
});
