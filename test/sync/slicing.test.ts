import assert from "node:assert/strict";
import { it } from "node:test";
import { SliceLength, TARGET_PER_SLICE } from "../../src/sync/slicing.js";
import { PAGE_LIMIT } from "../../src/vco/events.js";

const HOUR = 3_600_000;

it("aims close to three full pages once the last slices' counts were foreseen, and backs off after a miss", () => {
  const length = new SliceLength(7 * 24 * HOUR);
  length.dense(HOUR); // a dense page: TARGET_PER_SLICE events an hour
  const walk = (count: number) => {
    const ms = length.ms;
    length.found(ms, count, length.expect(ms));
  };
  walk(TARGET_PER_SLICE);
  walk(TARGET_PER_SLICE);
  assert.equal(length.target(), TARGET_PER_SLICE, "two slices are not enough to judge");
  walk(TARGET_PER_SLICE);
  const aimed = length.target();
  assert.ok(aimed > 2.98 * PAGE_LIMIT && aimed < 3 * PAGE_LIMIT, `aims at ${aimed}`);
  // The next slice is sized for the new aim.
  assert.ok(Math.abs((length.expect(length.ms) ?? 0) - aimed) < 2);

  walk(Math.round(aimed * 1.1)); // 10% more than foreseen
  assert.equal(length.target(), TARGET_PER_SLICE);
});

it("grows through empty time with the empty time found, and starts over at the next events", () => {
  const length = new SliceLength(30 * 24 * HOUR);
  length.dense(HOUR);
  length.found(HOUR, 0);
  assert.equal(length.ms, HOUR);
  length.found(HOUR, 0);
  length.found(2 * HOUR, 0);
  assert.equal(length.ms, 4 * HOUR, "as long as the empty time found so far");
  length.found(4 * HOUR, TARGET_PER_SLICE, undefined, HOUR);
  assert.equal(length.ms, HOUR, "measured from the oldest event: as dense as the events are");
});
