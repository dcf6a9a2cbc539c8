import assert from "node:assert/strict";
import { it } from "node:test";
import type { Logger } from "../../src/logger.js";
import { eachOldestFirst, sliceSlots, walkSlices, type Slice } from "../../src/sync/slices.js";
import { MAX_PER_SLICE } from "../../src/sync/slicing.js";
import type { VcoClient } from "../../src/vco/client.js";
import { clientFor, silentLogger, startSimOnFakeClock } from "../helpers/kit.js";

const DAY = 86_400_000;

/**
 * Walks enterprise 1's [start, end] to the end, checking that the slices are handed over in order
 * with none skipped and cover the window; `each` sees every slice before its pages are released.
 */
async function walkAll(
  client: VcoClient,
  start: number,
  end: number,
  logger: Logger,
  slots: number,
  each: (slice: Slice) => void,
): Promise<void> {
  let next = start;
  for await (const slice of walkSlices(client, 1, start, end, logger, sliceSlots(slots))) {
    assert.equal(slice.start, next, "slices are handed over in order, none skipped");
    next = slice.end + 1;
    each(slice);
    for (const b of slice.batches) b.release();
  }
  assert.equal(next, end + 1, "the slices cover the window");
}

for (const slots of [0, 2]) {
  it(`slices stay bounded when the backlog is much denser further back than the newest page suggests (${slots} slots)`, async () => {
    const { clock, sim, store } = await startSimOnFakeClock(
      { options: { latencyMs: slots > 0 ? 5 : 0 } },
      Date.now(),
    );
    store.addSpread(2000, clock.now() - 3 * DAY, clock.now() - 1000); // sparse lately
    store.addSpread(60_000, clock.now() - 6 * DAY, clock.now() - 6 * DAY + 600_000); // an old burst
    const logger = silentLogger();
    const client = clientFor(sim, clock, { retryBudgetMs: 10_000, timeoutMs: 5000, logger });
    const keys = new Set<string>();
    let biggest = 0;
    await walkAll(client, clock.now() - 7 * DAY, clock.now(), logger, slots, (slice) => {
      biggest = Math.max(biggest, slice.count);
      let previous = -Infinity;
      eachOldestFirst(slice, (batch, i) => {
        const key = batch.key(i);
        assert.ok(!keys.has(key), "no repeats across slices");
        keys.add(key);
        assert.ok(batch.time[i]! >= previous, "oldest first");
        assert.ok(batch.time[i]! >= slice.start && batch.time[i]! <= slice.end, "inside its slice");
        previous = batch.time[i]!;
      });
    });
    client.close();
    assert.equal(keys.size, 62_000);
    assert.ok(biggest <= MAX_PER_SLICE + 2048, `largest slice ${biggest}`);
  });
}

it("walks several slices at once on a slow VCO, hands them over in order, within the in-flight limit", async () => {
  // Slow pages, as from a real orchestrator: only chains walked side by side keep 3 busy.
  const { clock, sim, store } = await startSimOnFakeClock(
    { options: { latencyMs: 40 } },
    Date.now(),
  );
  store.addSpread(40_000, clock.now() - DAY, clock.now() - 1000);
  const logger = silentLogger();
  const walk = async (slots: number) => {
    sim.peakInFlight = 0;
    const client = clientFor(sim, clock, { retryBudgetMs: 10_000, timeoutMs: 5000, logger });
    let events = 0;
    await walkAll(client, clock.now() - DAY - 1000, clock.now(), logger, slots, (slice) => {
      events += slice.count;
    });
    client.close();
    assert.equal(events, 40_000);
    return sim.peakInFlight;
  };
  // One chain: its page and the next one asked early. Three chains: the whole in-flight budget.
  assert.ok((await walk(0)) <= 2);
  assert.equal(await walk(2), 3);
});

it("walks a window that begins before the oldest event, on a slow VCO, asking for hardly a page more than the events fill", async () => {
  // fetch --since beyond what the VCO keeps: the first slices find nothing, and the newest page,
  // asked for first, must not be asked for again at the end.
  const { clock, sim, store } = await startSimOnFakeClock(
    { options: { latencyMs: 20 } },
    Date.now(),
  );
  store.addSpread(30_000, clock.now() - 2 * DAY, clock.now() - 1000);
  const logger = silentLogger();
  const client = clientFor(sim, clock, { retryBudgetMs: 10_000, timeoutMs: 5000, logger });
  const start = clock.now() - 3 * DAY;
  const keys = new Set<string>();
  let previous = -Infinity;
  await walkAll(client, start, clock.now(), logger, 2, (slice) => {
    eachOldestFirst(slice, (batch, i) => {
      assert.ok(!keys.has(batch.key(i)), "no event twice");
      keys.add(batch.key(i));
      assert.ok(batch.time[i]! >= previous && batch.time[i]! >= slice.start, "oldest first");
      previous = batch.time[i]!;
    });
  });
  client.close();
  assert.equal(keys.size, 30_000);
  const pages = Math.ceil(30_000 / 2048);
  const asked = sim.count("event/getEnterpriseEvents");
  assert.ok(asked <= pages + 4, `${asked} requests for ${pages} pages`);
  assert.ok(sim.peakInFlight <= 3);
});

it("a dense slice whose pages reach into the slices asked for in front of it: every event once", async () => {
  // Dense lately, sparse before: the newest page makes the window look dense, so the time in
  // front is asked for at once, and the window's own query walks back into it.
  const { clock, sim, store } = await startSimOnFakeClock(
    { options: { latencyMs: 30 } },
    Date.now(),
  );
  const now = clock.now();
  store.addSpread(2100, now - 3_600_000, now - 1000);
  store.addSpread(600, now - 2 * DAY, now - 3_600_001); // the second page reaches back to here
  for (let t = now - 2 * DAY; t < now - DAY; t += 600_000) store.add(t); // seconds shared by events
  const logger = silentLogger();
  const client = clientFor(sim, clock, { retryBudgetMs: 10_000, timeoutMs: 5000, logger });
  const keys = new Set<string>();
  await walkAll(client, now - 2 * DAY - 1000, now, logger, 2, (slice) => {
    eachOldestFirst(slice, (batch, i) => {
      assert.ok(!keys.has(batch.key(i)), "no event twice");
      keys.add(batch.key(i));
      assert.ok(batch.time[i]! >= slice.start && batch.time[i]! <= slice.end, "inside its slice");
    });
  });
  client.close();
  assert.equal(keys.size, 2100 + 600 + 144);
});

it("pages cut short wait parked: a window that begins in quiet time walks its dense end in few reply buffers", async () => {
  // fetch --since 30d where the events fill the last day: slices grow over the quiet days, and
  // each that lands among the events is cut short, its pages waiting until the time in front of
  // them is written. Held as they came, they were a reply buffer each.
  const { clock, sim, store } = await startSimOnFakeClock(
    { options: { latencyMs: 5 } },
    Date.now(),
  );
  store.addSpread(120_000, clock.now() - DAY, clock.now() - 1000);
  const logger = silentLogger();
  const client = clientFor(sim, clock, { retryBudgetMs: 10_000, timeoutMs: 5000, logger });
  let events = 0;
  await walkAll(client, clock.now() - 30 * DAY, clock.now(), logger, 2, (slice) => {
    events += slice.count;
    eachOldestFirst(slice, (batch, i) => void batch.key(i)); // readable again when handed over
  });
  client.close();
  assert.equal(events, 120_000);
  // Held as they came: 17-18 buffers. Parked: 6-10, and once 13 on a machine loaded with other
  // test runs (up to the walk's 12 waiting pages while replies in flight still come in).
  assert.ok(client.memory.made <= 14, `${client.memory.made} reply buffers`);
});
