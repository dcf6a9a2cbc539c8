import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkBacklog, MAX_BACKLOG } from "../../src/commands/simulate.js";
import { assertOneLineError, runCli, startSim, TOKEN } from "../helpers/kit.js";

describe("vco-events simulate", () => {
  it("refuses a backlog it cannot hold up front: one line, exit 78, no stack trace", async () => {
    for (const [backlog, message] of [
      [
        String(MAX_BACKLOG + 1),
        /--backlog 100000001 is more than the simulator holds: use at most 100000000$/m,
      ],
      ["lots", /--backlog "lots" is not a whole number of events/],
    ] as const) {
      const r = await runCli(["simulate", "--port", "0", "--backlog", backlog], {});
      assert.equal(r.code, 78, r.stderr);
      assertOneLineError(r, message);
      assert.equal(r.stdout, "", "never started");
    }
    const r = await runCli(["simulate", "--port", "0", "--latency-per-event", "-1"], {});
    assert.equal(r.code, 78, r.stderr);
    assertOneLineError(r, /--latency-per-event "-1" is not a number of milliseconds/);
  });

  it("sizes the largest backlog to the memory there is", () => {
    const twoGiB = 2 * 2 ** 30;
    assert.doesNotThrow(() => checkBacklog(MAX_BACKLOG, 64 * 2 ** 30));
    assert.throws(
      () => checkBacklog(60_000_000, twoGiB),
      /--backlog 60000000 needs about 1\.3 GiB for its events, more than half of the 2\.0 GiB this machine has: use at most 47721000$/,
    );
    assert.doesNotThrow(() => checkBacklog(47_721_000, twoGiB));
  });
});

describe("the simulator's latency", () => {
  it("per call on the methods it is set for, plus per event on event queries", async () => {
    const sim = await startSim({
      latencyMs: 1000,
      latencyMethods: ["event/getEnterpriseEvents"],
      latencyPerEventMs: 0.25,
    });
    sim.enterprises.get(1)!.store.addSpread(1000, Date.now() - 60_000, Date.now() - 1000);
    const timed = async (method: string, body: unknown) => {
      const t0 = performance.now();
      const r = await fetch(`${sim.baseUrl}/portal/rest/${method}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Token ${TOKEN}` },
        body: JSON.stringify(body),
      });
      assert.equal(r.status, 200);
      await r.arrayBuffer();
      return performance.now() - t0;
    };
    assert.ok((await timed("enterprise/getEnterprise", {})) < 1000, "not a method it is set for");
    const full = await timed("event/getEnterpriseEvents", {});
    assert.ok(full >= 1000 + 250 - 5, `1,000 events: ${full} ms`);
    const one = await timed("event/getEnterpriseEvents", { filter: { limit: 1 } });
    assert.ok(one >= 1000 - 5 && one < full, `one event: ${one} ms`);
  });
});
