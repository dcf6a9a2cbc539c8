import assert from "node:assert/strict";
import { it } from "node:test";
import { RepeatIndex } from "../../src/dedupe/repeat-index.js";
import { EventFactory } from "../../src/simulator/event-factory.js";
import { hashBytes, type EventBatch } from "../../src/vco/event-batch.js";
import { EventScanner } from "../../src/vco/event-scan.js";
import { PageMemory } from "../../src/vco/page-pool.js";

/** A page with events of these ids, read into pooled memory as the client reads a reply. */
function page(memory: PageMemory, ids: Array<number | string>): EventBatch {
  const factory = new EventFactory("classic", "ACME", 7);
  const now = Date.UTC(2026, 0, 1);
  const events = ids.map((id, i) => factory.make(now - i * 1000, { id }));
  const text = JSON.stringify({ metaData: { limit: 2048, more: true }, data: events });
  const bytes = memory.takeBuffer(Buffer.byteLength(text));
  bytes.write(text);
  const scanned = new EventScanner(memory).scan(bytes);
  assert.ok(scanned, "the page scans");
  return scanned.data as EventBatch;
}

/** Which events of the batch are marked as repeats. */
const marked = (b: EventBatch) => Array.from({ length: b.count }, (_, i) => b.repeat?.[i] === 1);

/** Two different ids whose keys hash alike, found by trying (about 2^15 tries for 30 bits). */
function collidingIds(): [string, string] {
  const byHash = new Map<number, string>();
  for (let n = 0; ; n++) {
    const id = `c${n}`;
    const bytes = Buffer.from(id);
    const hash = hashBytes(bytes, 0, bytes.length);
    const other = byHash.get(hash);
    if (other !== undefined) return [other, id];
    byHash.set(hash, id);
  }
}

it("marks exactly the events an earlier page (or the same page) of the query gave", () => {
  const memory = new PageMemory();
  const index = new RepeatIndex(memory.repeatTables);
  const [a, b] = collidingIds();
  // More keys than a first table holds (2,048), so the index grows while pages come in.
  const pages: Array<Array<number | string>> = [
    [...Array.from({ length: 1500 }, (_, i) => i), a],
    [...Array.from({ length: 1500 }, (_, i) => 1000 + i), 7, b],
    // 1520 was in the first table and moved when it grew; 2047 was the first key past its end
    // (the 2,049th), 2046 the last in it: the next page asks for them again.
    [
      ...Array.from({ length: 900 }, (_, i) => 2400 + i),
      2400,
      a,
      b,
      "2401",
      1520,
      2046,
      2047,
      2048,
    ],
  ];
  const seen = new Set<string>();
  for (const ids of pages) {
    const batch = page(memory, ids);
    const expected = ids.map((id) => {
      const repeat = seen.has(String(id));
      seen.add(String(id));
      return repeat;
    });
    const count = index.mark(batch);
    assert.deepEqual(marked(batch), expected);
    assert.equal(count, expected.filter(Boolean).length);
  }
  index.release();
});

it("gives its table back for the next query, which starts from nothing", () => {
  const memory = new PageMemory();
  const ids = Array.from({ length: 3000 }, (_, i) => i);
  const first = new RepeatIndex(memory.repeatTables);
  assert.equal(first.mark(page(memory, ids)), 0);
  first.release();
  const kept = memory.repeatTables.take(4096, () =>
    assert.fail("the query's table was not given back"),
  );
  memory.repeatTables.give(kept);
  const again = new RepeatIndex(memory.repeatTables);
  const batch = page(memory, ids);
  assert.equal(again.mark(batch), 0, "the last query's keys are not this one's");
  assert.deepEqual(
    marked(batch),
    ids.map(() => false),
  );
  assert.equal(again.mark(page(memory, [2999, 3000])), 1);
  again.release();
});
