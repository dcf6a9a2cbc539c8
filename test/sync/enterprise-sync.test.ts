import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { Simulator } from "../../src/simulator/server.js";
import { ensureStateDir, loadState } from "../../src/store/state.js";
import { NO_FILTER } from "../../src/filter/event-filter.js";
import { syncTarget } from "../../src/sync/enterprise-sync.js";
import { enterpriseTarget } from "../../src/sync/stream-target.js";
import {
  clientFor,
  type FakeClock,
  HOUR,
  keyOf,
  readLines,
  silentLogger,
  startSimOnFakeClock,
  tempDir,
} from "../helpers/kit.js";

function setup(sim: Simulator, clock: FakeClock, dataDir: string, budgetMs = 60_000) {
  const client = clientFor(sim, clock, { retryBudgetMs: budgetMs, timeoutMs: 5000 });
  return (firstStart: number) =>
    syncTarget({
      client,
      vco: sim.baseUrl,
      dataDir,
      target: enterpriseTarget({ id: 1, name: "ACME Corp" }, "ACME_Corp", NO_FILTER),
      clock,
      logger: silentLogger(),
      overlapMs: 15 * 60_000,
      firstStart,
    });
}

describe("syncTarget (an enterprise)", () => {
  it("a backlog is committed slice by slice: a failure mid-window keeps what was written, the next run finishes", async () => {
    const { clock, sim, store } = await startSimOnFakeClock(
      { events: { count: 60_000, oldest: 10 * HOUR } },
      Date.now(),
    );
    const dir = tempDir();
    await ensureStateDir(dir);
    const run = setup(sim, clock, dir, 5_000);

    // The server breaks for good after a few requests: the run fails, but the slices before stay.
    let requests = 0;
    sim.faultMethods = ["event/getEnterpriseEvents"];
    const original = sim.faults;
    const breakAfter = 12;
    const interval = setInterval(() => {
      requests = sim.count("event/getEnterpriseEvents");
      if (requests >= breakAfter) sim.faults = { ...original, unavailable: 1 };
    }, 1);
    const first = await run(clock.now() - 11 * HOUR);
    clearInterval(interval);
    assert.ok(first.error, "the first run failed");
    const file = path.join(dir, "ACME_Corp", "events.json");
    const partial = readLines(file);
    assert.ok(
      partial.length > 0 && partial.length < 60_000,
      `some slices were committed (${partial.length})`,
    );
    const state = await loadState(dir, 1);
    const newestWritten = Math.max(...partial.map((e) => Date.parse(e.eventTime as string)));
    assert.ok(state!.cursor! >= newestWritten, "the cursor covers what was written");
    assert.ok(
      store
        .all()
        .every(
          (e) =>
            Date.parse(e.eventTime as string) > state!.cursor! ||
            partial.some((p) => keyOf(p) === keyOf(e)),
        ),
      "nothing at or before the cursor is missing",
    );

    sim.faults = original;
    const second = await run(clock.now() - 11 * HOUR);
    assert.equal(second.error, undefined);
    const all = readLines(file);
    assert.equal(all.length, 60_000);
    assert.equal(new Set(all.map(keyOf)).size, 60_000);
    const seen = (await loadState(dir, 1))!.seen;
    assert.ok(seen.length < 2000, `the dedupe window stays small (${seen.length})`);
  });

  it("lines appended before a crash (no commit) are kept and not written again", async () => {
    const { clock, sim, store } = await startSimOnFakeClock(
      { events: { count: 100, oldest: HOUR, newest: 60_000 } },
      Date.now(),
    );
    const dir = tempDir();
    await ensureStateDir(dir);
    const run = setup(sim, clock, dir);
    await run(clock.now() - 2 * HOUR);

    // A crashed run had appended two new events and half of a third, then died before its commit.
    const file = path.join(dir, "ACME_Corp", "events.json");
    const a = store.add(clock.now() - 30_000);
    const b = store.add(clock.now() - 20_000);
    store.add(clock.now() - 10_000);
    fs.appendFileSync(file, `${JSON.stringify(a)}\n${JSON.stringify(b)}\n{"id":12,"even`);
    clock.t += 60_000;
    const r = await run(0);
    assert.equal(r.error, undefined);
    assert.equal(r.written, 1);
    const lines = readLines(file);
    assert.equal(lines.length, 103);
    assert.equal(new Set(lines.map(keyOf)).size, 103);
  });
});
