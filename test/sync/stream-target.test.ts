import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { NO_FILTER, type EventFilter } from "../../src/filter/event-filter.js";
import { matches } from "../../src/filter/match.js";
import { ensureStateDir, loadState } from "../../src/store/state.js";
import { syncTarget } from "../../src/sync/enterprise-sync.js";
import { walkSlices } from "../../src/sync/slices.js";
import { enterpriseTarget, ownStreamTarget } from "../../src/sync/stream-target.js";
import {
  clientFor,
  HOUR,
  OPERATOR_TOKEN,
  readLines,
  silentLogger,
  startSimOnFakeClock,
  tempDir,
} from "../helpers/kit.js";

const filter: EventFilter = { ...NO_FILTER, minSeverity: "WARNING", exclude: ["EDGE_*"] };

describe("stream targets", () => {
  it("folders and state files that no enterprise can take", () => {
    const op = ownStreamTarget("operator", NO_FILTER);
    assert.equal(op.folder, "_operator");
    assert.equal(op.ref, "operator");
    assert.equal(ownStreamTarget("partner", NO_FILTER).folder, "_partner");
    // An enterprise named like a stream folder gets a folder without the leading underscore.
    const e = enterpriseTarget({ id: 5, name: "_operator" }, "operator", NO_FILTER);
    assert.equal(e.ref, 5);
    assert.deepEqual(e.source.params, { enterpriseId: 5 });
  });

  it("the VCO filters what it can: pages hold only events the rules let through", async () => {
    const { clock, sim } = await startSimOnFakeClock({}, Date.now());
    sim.addToken(OPERATOR_TOKEN, { type: "operator" });
    sim.operatorStore.addSpread(6000, clock.now() - 2 * HOUR, clock.now() - 1000);
    const client = clientFor(sim, clock, {
      credentials: { kind: "token", token: OPERATOR_TOKEN },
      retryBudgetMs: 10_000,
      timeoutMs: 5_000,
    });
    const target = ownStreamTarget("operator", filter);
    assert.ok(target.source.rules.length > 0);
    const keys: string[] = [];
    for await (const slice of walkSlices(
      client,
      target.source,
      clock.now() - 3 * HOUR,
      clock.now(),
      silentLogger(),
    )) {
      for (const b of slice.batches) {
        for (let i = 0; i < b.count; i++) {
          const e = JSON.parse(b.line(i).toString("utf8"));
          assert.ok(
            matches(filter, e),
            `sent by the VCO despite the rules: ${e.event} ${e.severity}`,
          );
          keys.push(String(e.id));
        }
        b.release();
      }
    }
    const want = sim.operatorStore.all().filter((e) => matches(filter, e as never));
    assert.equal(new Set(keys).size, want.length);
    client.close();
  });

  it("a window the filter empties still moves the cursor; a later match is written once", async () => {
    const { clock, sim } = await startSimOnFakeClock({}, Date.now());
    sim.addToken(OPERATOR_TOKEN, { type: "operator" });
    const store = sim.operatorStore;
    const quiet = { severity: "INFO", event: "LINK_ALIVE" };
    for (let i = 0; i < 50; i++) store.add(clock.now() - HOUR + i * 60_000, { overrides: quiet });
    const client = clientFor(sim, clock, {
      credentials: { kind: "token", token: OPERATOR_TOKEN },
      retryBudgetMs: 10_000,
      timeoutMs: 5_000,
    });
    const dir = tempDir();
    await ensureStateDir(dir);
    const run = () =>
      syncTarget({
        client,
        vco: sim.baseUrl,
        dataDir: dir,
        target: ownStreamTarget("operator", { ...NO_FILTER, minSeverity: "ERROR" }),
        clock,
        logger: silentLogger(),
        overlapMs: 15 * 60_000,
        firstStart: clock.now() - 2 * HOUR,
      });
    const first = await run();
    assert.equal(first.error, undefined);
    assert.equal(first.written, 0);
    assert.ok(first.cursor! >= clock.now() - 1000, "the cursor reached the end of the window");
    assert.equal((await loadState(dir, "operator"))!.cursor, first.cursor);

    clock.t += 60_000;
    const loud = store.add(clock.now() - 30_000, { overrides: { severity: "CRITICAL" } });
    store.add(clock.now() - 20_000, { overrides: quiet });
    const second = await run();
    assert.equal(second.written, 1);
    clock.t += 60_000;
    const third = await run();
    assert.equal(third.written, 0, "the overlap re-read does not write it again");
    const lines = readLines(path.join(dir, "_operator", "events.json"));
    assert.deepEqual(lines, [loud]);
    client.close();
  });
});
