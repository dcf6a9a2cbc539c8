// Two runs at once on one data dir: nothing is doubled, the run that finds the work locked exits 75
// promptly with a clear line, and a holder killed with -9 leaves no lock that blocks later runs.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { collect, runCli, startCli } from "../helpers/cli.js";
import { envFor, startSim } from "../helpers/sim.js";
import { tempDir } from "../helpers/tmp.js";
import { assertExactSet, HOUR, killHard, waitFor } from "./support.js";

const lockOf = (dir: string) => path.join(dir, ".state", "lock");
const fileOf = (dir: string) => path.join(dir, "ACME_Corp", "events.json");

describe("two runs at once", () => {
  it("the second run exits 75 promptly with a clear line; the first finishes; nothing doubled", async (t) => {
    // 300 ms per call, as a real orchestrator: the first run lasts seconds even with slices
    // walked side by side.
    const sim = await startSim({ latencyMs: 300 });
    const store = sim.enterprises.get(1)!.store;
    store.addSpread(60_000, Date.now() - 6 * HOUR, Date.now() - 1000);
    const dir = tempDir();
    const env = envFor(sim, dir);
    const first = startCli(["fetch", "--since", "7h"], env);
    t.after(() => killHard(first));
    const firstDone = collect(first);
    // The lock is created, then its holder written: wait until it names one.
    const holderOf = () => {
      try {
        return JSON.parse(fs.readFileSync(lockOf(dir), "utf8")) as { pid: number };
      } catch {
        return undefined;
      }
    };
    await waitFor("the first run to take the lock", () => holderOf() !== undefined);
    const holder = holderOf()!;
    assert.equal(holder.pid, first.pid, "the lock names its holder");

    const started = Date.now();
    const second = await runCli(["fetch", "--since", "7h"], env);
    const took = Date.now() - started;
    assert.equal(second.code, 75, second.stderr);
    assert.match(
      second.stderr,
      new RegExp(
        `another vco-events run \\(pid ${first.pid} .*\\) is working on .*nothing is written twice`,
      ),
    );
    assert.equal(second.stderr.trim().split("\n").length, 1, second.stderr);
    assert.ok(took < 3_000, `exited promptly (${took} ms)`);
    assert.equal(first.exitCode, null, "the first run was still going");

    const r = await firstDone;
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([fileOf(dir)], store.all());
    assert.ok(!fs.existsSync(lockOf(dir)), "the lock is released");
  });

  it("pairs started at the same instant, with new events in between: never a doubled event", async () => {
    const sim = await startSim({ latencyMs: 5 });
    const store = sim.enterprises.get(1)!.store;
    store.addSpread(20_000, Date.now() - 3 * HOUR, Date.now() - 1000);
    const dir = tempDir();
    const env = envFor(sim, dir);
    const codes: Array<number | null> = [];
    for (let round = 0; round < 4; round++) {
      const pair = await Promise.all([
        runCli(["fetch", "--since", "4h"], env),
        runCli(["fetch", "--since", "4h"], env),
      ]);
      for (const r of pair) {
        assert.ok(r.code === 0 || r.code === 75, `exit ${r.code}: ${r.stderr}`);
        if (r.code === 75) assert.match(r.stderr, /another vco-events run/);
        codes.push(r.code);
      }
      assert.ok(
        pair.some((r) => r.code === 0),
        "one of the two did the work",
      );
      store.addSpread(1_000, Date.now() - 60_000, Date.now() - 1);
    }
    assert.ok(codes.includes(75), `the runs did overlap at least once: ${codes.join(",")}`);
    const last = await runCli(["fetch"], env);
    assert.equal(last.code, 0, last.stderr);
    assertExactSet([fileOf(dir)], store.all());
  });
});

describe("the lock and kill -9", () => {
  it("a holder killed with -9 leaves no stale lock: the next run takes over at once", async (t) => {
    const sim = await startSim({ latencyMs: 40 });
    const store = sim.enterprises.get(1)!.store;
    store.addSpread(60_000, Date.now() - 6 * HOUR, Date.now() - 1000);
    const dir = tempDir();
    const env = envFor(sim, dir);
    for (let i = 0; i < 3; i++) {
      const holder = startCli(["fetch", "--since", "7h"], env);
      t.after(() => killHard(holder));
      await waitFor("the run to take the lock", () => fs.existsSync(lockOf(dir)));
      await new Promise((r) => setTimeout(r, 200 + i * 300));
      await killHard(holder);
      assert.ok(fs.existsSync(lockOf(dir)), "kill -9 left the lock file behind");
    }
    const started = Date.now();
    const r = await runCli(["fetch", "--since", "7h"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /another vco-events run/);
    assertExactSet([fileOf(dir)], store.all());
    assert.ok(!fs.existsSync(lockOf(dir)), "the lock is released");
    assert.ok(Date.now() - started < 30_000);
  });
});
