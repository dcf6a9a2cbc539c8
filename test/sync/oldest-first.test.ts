import assert from "node:assert/strict";
import { it } from "node:test";
import { eachOldestFirst, type Slice } from "../../src/sync/slices.js";
import { batchFromParsed, type EventBatch } from "../../src/vco/event-batch.js";
import { PageMemory } from "../../src/vco/page-pool.js";

const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();
const memory = new PageMemory();
const page = (...events: Array<[id: number, second: number]>) =>
  batchFromParsed(
    events.map(([id, s]) => ({ id, eventTime: at(s) })),
    memory,
  ) as EventBatch;
const slice = (...batches: EventBatch[]): Slice => ({
  start: 0,
  end: 0,
  batches,
  count: batches.reduce((n, b) => n + b.count, 0),
  pages: batches.length,
  repeats: 0,
});
const order = (s: Slice) => {
  const ids: string[] = [];
  eachOldestFirst(s, (b, i) => ids.push(b.key(i)));
  return ids;
};

it("walks pages that are newest first backwards: oldest first, same-second events reversed", () => {
  const s = slice(page([6, 5], [5, 4], [4, 4]), page([3, 4], [2, 2], [1, 1]));
  assert.deepEqual(order(s), ["1", "2", "3", "4", "5", "6"]);
});

it("sorts a slice whose server broke its promise, stably, and skips marked repeats", () => {
  const newer = page([6, 5], [4, 2], [5, 4]); // 4 is older than 5 on the same page
  const older = page([3, 3], [2, 2], [1, 1]); // 3 is newer than 4 on the page before
  older.repeat = new Uint8Array([0, 0, 1]); // 1 was on an earlier page already
  assert.deepEqual(order(slice(newer, older)), ["2", "4", "3", "5", "6"]);
});
