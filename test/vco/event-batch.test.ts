import assert from "node:assert/strict";
import { it } from "node:test";
import { EventFactory } from "../../src/simulator/event-factory.js";
import type { EventBatch } from "../../src/vco/event-batch.js";
import { EventScanner } from "../../src/vco/event-scan.js";
import { PageMemory } from "../../src/vco/page-pool.js";

/** Each event of a batch as [line, key, time]. */
const rows = (b: EventBatch) =>
  Array.from({ length: b.count }, (_, i) => [b.line(i).toString(), b.key(i), b.time[i]]);

/** A full page of events, read into pooled memory as the client reads a reply. */
function page(memory: PageMemory): { batch: EventBatch; bytes: Buffer } {
  const factory = new EventFactory("classic", "ACME", 7);
  const events = Array.from({ length: 2048 }, (_, i) => factory.make(Date.now() - i * 1000));
  const text = JSON.stringify({ metaData: { limit: 2048, more: false }, data: events });
  const bytes = memory.takeBuffer(Buffer.byteLength(text));
  bytes.write(text);
  const scanned = new EventScanner(memory).scan(bytes);
  assert.ok(scanned, "the page scans");
  return { batch: scanned.data as EventBatch, bytes };
}

it("a parked page gives its reply buffer to the next reply, and has the same events after unpark", () => {
  const memory = new PageMemory();
  const { batch, bytes } = page(memory);
  const before = rows(batch);
  batch.park();
  assert.throws(() => batch.bytes, /parked/);
  const next = memory.takeBuffer(bytes.length);
  assert.ok(next.buffer === bytes.buffer, "the reply buffer went back to the pool");
  next.fill(0x20); // the next reply overwrites it
  batch.unpark();
  assert.deepEqual(rows(batch), before);
  batch.release();
  memory.giveBuffer(next);
  assert.equal(memory.made, 1);
});

it("a page released while parked gives its columns back and holds no events", () => {
  const memory = new PageMemory();
  const { batch } = page(memory);
  batch.park();
  batch.release();
  assert.equal(batch.count, 0);
  assert.equal(batch.bytes.length, 0);
});
