import assert from "node:assert/strict";
import { it } from "node:test";
import { SeenWindow } from "../../src/dedupe/seen-window.js";
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

it("adapts the slice length to what the last slice held", () => {
  assert.equal(nextSliceMs(10_000, TARGET_PER_SLICE, 1e9), 10_000);
  assert.equal(nextSliceMs(10_000, TARGET_PER_SLICE * 2, 1e9), 5_000);
  assert.equal(nextSliceMs(10_000, 0, 1e9), 40_000);
  assert.equal(nextSliceMs(10_000, 0, 15_000), 15_000, "never past the window");
  assert.equal(nextSliceMs(1000, TARGET_PER_SLICE * 100, 1e9), 1000, "at least a second");
});
