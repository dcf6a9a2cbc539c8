// The orchestrator's clock decides: with the VCO's clock 40 minutes behind ours, 40 minutes ahead,
// or 6 hours behind, runs one after another write every event exactly once. Before, a VCO behind
// us got cursors in its future and the runs after the first wrote nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assertExactSet,
  fetch,
  HOUR,
  logLines,
  MINUTE,
  readState,
  runCli,
  simFixture,
} from "../helpers/kit.js";

const CASES = [
  { label: "40 minutes behind ours", offsetMs: -40 * MINUTE, text: /40m behind/ },
  { label: "40 minutes ahead of ours", offsetMs: 40 * MINUTE, text: /40m ahead/ },
  { label: "6 hours behind ours", offsetMs: -6 * HOUR, text: /6h behind/ },
];

describe("an orchestrator whose clock is not ours", () => {
  for (const c of CASES) {
    it(`VCO clock ${c.label}: every event exactly once across runs, and a warning`, async () => {
      const { sim, store, dir, env, file } = await simFixture({
        options: { clockOffsetMs: c.offsetMs },
        events: { count: 400, oldest: 20 * HOUR, newest: 2_000 },
      });

      const first = await fetch(env);
      assert.equal(first.code, 0, first.stderr);
      const warning = logLines(first.stdout).find((l) => l.event === "clock-offset");
      assert.ok(warning, `a clock warning in: ${first.stdout}`);
      assert.match(String(warning.msg), c.text);
      assert.ok(Math.abs(Number(warning.vcoClockOffsetMs) - c.offsetMs) < 5_000);

      // Each later run finds events from the VCO's last minutes, by the VCO's clock; the second
      // run is a quiet cron run that makes its one request with the offset remembered.
      for (let run = 0; run < 2; run++) {
        store.addSpread(50, sim.now() - 10 * MINUTE, sim.now() - 1_000);
        store.add(sim.now() - 1_000);
        const r = await fetch(env);
        assert.equal(r.code, 0, r.stderr);
      }
      assertExactSet([file], store.all());
      // The cursor is in the VCO's time: close to its now, never in its future.
      const cursor = readState(dir)!.cursor!;
      assert.ok(cursor <= sim.now(), "cursor not in the VCO's future");
      assert.ok(sim.now() - cursor < MINUTE, "cursor near the VCO's now");

      const status = await runCli(["status"], env);
      assert.match(status.stdout, c.text);
      const json = JSON.parse((await runCli(["status", "--json"], env)).stdout) as {
        orchestrator: { clockOffsetMs: number } | null;
      };
      assert.ok(Math.abs(json.orchestrator!.clockOffsetMs - c.offsetMs) < 5_000);
    });
  }

  it("a clock that agrees with ours gets no warning", async () => {
    const { env } = await simFixture({ events: { count: 10, oldest: HOUR } });
    const r = await fetch(env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      logLines(r.stdout).filter((l) => l.level === "warn"),
      [],
    );
  });
});
