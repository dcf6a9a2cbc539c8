// Two runs at once on one data dir: nothing is doubled, the run that finds the work locked exits 75
// promptly with a clear line, and a holder killed with -9 leaves no lock that blocks later runs.
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import {
  assertExactSet,
  fetch,
  HOUR,
  killHard,
  leastTimeToPage,
  simFixture,
  spawnCli,
  statePath,
  waitFor,
} from "../helpers/kit.js";

describe("two runs at once", () => {
  it("the second run exits 75 promptly with a clear line; the first finishes; nothing doubled", async (t) => {
    // 300 ms per call, as a real orchestrator: the first run lasts seconds even with slices
    // walked side by side.
    const latencyMs = 300;
    const backlog = 60_000;
    const { store, dir, env, file } = await simFixture({
      options: { latencyMs },
      events: { count: backlog, oldest: 6 * HOUR },
    });
    const { child: first, done: firstDone } = spawnCli(["fetch", "--since", "7h"], env);
    t.after(() => killHard(first));
    // The lock is created, then its holder written: wait until it names one.
    const holderOf = () => {
      try {
        return JSON.parse(fs.readFileSync(statePath(dir, "lock"), "utf8")) as { pid: number };
      } catch {
        return undefined;
      }
    };
    await waitFor("the first run to take the lock", () => holderOf() !== undefined);
    const holder = holderOf()!;
    assert.equal(holder.pid, first.pid, "the lock names its holder");

    const started = Date.now();
    const second = await fetch(env, "--since", "7h");
    const took = Date.now() - started;
    assert.equal(second.code, 75, second.stderr);
    assert.match(
      second.stderr,
      new RegExp(
        `another vco-events run \\(pid ${first.pid} .*\\) is working on .*nothing is written twice`,
      ),
    );
    assert.equal(second.stderr.trim().split("\n").length, 1, second.stderr);
    // Promptly: sooner than the first run, which had just begun, can page through its backlog
    // (30 pages of 2048 at 300 ms, 3 at once: 3 s). The second run stops at the lock, before any
    // request.
    assert.ok(took < leastTimeToPage(backlog, latencyMs), `exited promptly (${took} ms)`);
    assert.equal(first.exitCode, null, "the first run was still going");

    const r = await firstDone;
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([file], store.all());
    assert.ok(!fs.existsSync(statePath(dir, "lock")), "the lock is released");
  });

  it("pairs started at the same instant, with new events in between: never a doubled event", async () => {
    const { store, env, file } = await simFixture({
      options: { latencyMs: 5 },
      events: { count: 20_000, oldest: 3 * HOUR },
    });
    const codes: Array<number | null> = [];
    for (let round = 0; round < 4; round++) {
      const pair = await Promise.all([fetch(env, "--since", "4h"), fetch(env, "--since", "4h")]);
      for (const r of pair) {
        assert.ok(r.code === 0 || r.code === 75, `exit ${r.code}: ${r.stderr}`);
        if (r.code === 75) assert.match(r.stderr, /another vco-events run/);
        codes.push(r.code);
      }
      assert.ok(
        pair.some((r) => r.code === 0),
        "one of the two did the work",
      );
      // Ending a few seconds back: a window ends at the VCO's now, to the second and never ahead
      // of it, so an event of this very instant may be the next run's.
      store.addSpread(1_000, Date.now() - 60_000, Date.now() - 4_000);
    }
    assert.ok(codes.includes(75), `the runs did overlap at least once: ${codes.join(",")}`);
    const last = await fetch(env);
    assert.equal(last.code, 0, last.stderr);
    assertExactSet([file], store.all());
  });
});

describe("the lock and kill -9", () => {
  it("a holder killed with -9 leaves no stale lock: the next run takes over at once", async (t) => {
    const { store, dir, env, file } = await simFixture({
      options: { latencyMs: 40 },
      events: { count: 60_000, oldest: 6 * HOUR },
    });
    for (let i = 0; i < 3; i++) {
      const { child: holder } = spawnCli(["fetch", "--since", "7h"], env);
      t.after(() => killHard(holder));
      await waitFor("the run to take the lock", () => fs.existsSync(statePath(dir, "lock")));
      await new Promise((r) => setTimeout(r, 200 + i * 300));
      await killHard(holder);
      assert.ok(fs.existsSync(statePath(dir, "lock")), "kill -9 left the lock file behind");
    }
    const started = Date.now();
    const r = await fetch(env, "--since", "7h");
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /another vco-events run/);
    assertExactSet([file], store.all());
    assert.ok(!fs.existsSync(statePath(dir, "lock")), "the lock is released");
    assert.ok(Date.now() - started < 30_000);
  });
});
