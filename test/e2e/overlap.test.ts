// VCO_OVERLAP changed between runs. A run re-reads behind its cursor and drops what its seen window
// remembers; the window only remembers as far back as the overlap of the runs that filled it. So a
// run never reads further back than the state's seenFrom, and a widened overlap takes effect as the
// window fills. Each test leaves the exact set: every event once.
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { seededRandom } from "../../src/simulator/faults.js";
import type { Simulator } from "../../src/simulator/server.js";
import {
  assertExactSet,
  eventsFile,
  eventsUpTo,
  fetch,
  HOUR,
  keyOf,
  killHard,
  MINUTE,
  operatorEnv,
  readState,
  simFixture,
  sizeOf,
  spawnCli,
  startOperatorSim,
  statePath,
  tempDir,
  type SavedState,
} from "../helpers/kit.js";

type Store = Simulator["operatorStore"];

/** Events published late, `from`..`to` ms before the VCO's now, and new ones of a few seconds ago. */
function lateAndNew(sim: Simulator, store: Store, from: number, to: number): void {
  const now = sim.now();
  store.addSpread(20, now - from, now - to);
  store.addSpread(20, now - 6_000, now - 4_000);
}

/**
 * The committed state, checked for what keeps a re-read from writing twice: a seenFrom at or before
 * the cursor, and in the window every event of the committed part of the file with eventTime at or
 * after seenFrom, and nothing older.
 */
function committed(
  dir: string,
  o: { folder?: string; state?: string; context?: string } = {},
): SavedState & { cursor: number; seenFrom: number } {
  const context = o.context ?? "";
  const state = JSON.parse(
    fs.readFileSync(statePath(dir, o.state ?? "enterprise-1.json"), "utf8"),
  ) as SavedState;
  const { cursor, seenFrom } = state;
  if (cursor === null || seenFrom === undefined || state.file === null) {
    assert.fail(`no cursor, seenFrom or file mark: ${JSON.stringify(state).slice(0, 300)}`);
  }
  assert.ok(seenFrom <= cursor, `seenFrom is at or before the cursor; ${context}`);
  assert.ok(
    state.seen.every(([, t]) => t >= seenFrom),
    `the window holds nothing older than seenFrom; ${context}`,
  );
  const seen = new Set(state.seen.map(([key]) => key));
  const bytes = fs.readFileSync(eventsFile(dir, o.folder)).subarray(0, state.file.size);
  for (const line of bytes.toString("utf8").split("\n")) {
    if (line === "") continue;
    const e = JSON.parse(line) as Record<string, unknown>;
    if (Date.parse(e.eventTime as string) >= seenFrom && !seen.has(keyOf(e))) {
      assert.fail(`event ${keyOf(e)}, at or after seenFrom, is not in the window; ${context}`);
    }
  }
  return { ...state, cursor, seenFrom };
}

describe("VCO_OVERLAP changed between runs", () => {
  it("widened from 15m to 2h: an enterprise's and the operator stream's events, none written twice", async () => {
    const sim = await startOperatorSim([
      { id: 1, name: "Alpha", events: { count: 2000, oldest: 3 * HOUR } },
    ]);
    sim.operatorStore.addSpread(2000, sim.now() - 3 * HOUR, sim.now() - 4_000);
    const dir = tempDir();
    const env = operatorEnv(sim, dir, { VCO_STREAMS: "enterprise,operator" });
    const targets: Array<[string, Store]> = [
      [eventsFile(dir, "Alpha"), sim.enterprises.get(1)!.store],
      [eventsFile(dir, "_operator"), sim.operatorStore],
    ];
    const first = await fetch({ ...env, VCO_OVERLAP: "15m" }, "--since", "4h");
    assert.equal(first.code, 0, first.stderr);
    for (const [file, store] of targets) assertExactSet([file], store.all());

    // Late events inside the old overlap, and new ones; then the overlap is widened. The events of
    // the two hours behind the cursor were written, but the window remembers only 15 minutes.
    for (const [, store] of targets) lateAndNew(sim, store, 10 * MINUTE, 5 * MINUTE);
    const second = await fetch({ ...env, VCO_OVERLAP: "2h" });
    assert.equal(second.code, 0, second.stderr);
    for (const [file, store] of targets) assertExactSet([file], store.all());
    committed(dir, { folder: "Alpha" });
    committed(dir, { folder: "_operator", state: "operator.json" });
  });

  it("widened after a backfill that stopped midway: the window fills to 2h, then catches events an hour late", async () => {
    const { sim, store, dir, env, file } = await simFixture({
      events: { count: 14_000, oldest: 8 * HOUR },
      // The first slice (some 2.3 hours) goes through, then every events reply is of the wrong
      // shape (exit 76).
      script: Array<null>(4).fill(null),
      env: { VCO_MAX_IN_FLIGHT: "1" },
    });
    sim.faults.wrongShape = 1;
    const first = await fetch({ ...env, VCO_OVERLAP: "15m" }, "--since", "9h");
    assert.equal(first.code, 76, first.stderr);
    const stopped = readState(dir)!.cursor!;
    assert.ok(stopped < sim.now() - 3 * HOUR, "the first run stopped hours back");
    const written = eventsUpTo(store.all(), stopped);
    assertExactSet([file], written);
    assert.ok(
      written.some((e) => Date.parse(e.eventTime as string) < stopped - 90 * MINUTE),
      "it wrote events long behind where it stopped, which a 2h re-read would reach again",
    );

    sim.faults.wrongShape = 0;
    for (let i = 0; i < 10; i++) store.add(stopped - 10 * MINUTE + i * 1000); // late, inside 15m
    const second = await fetch({ ...env, VCO_OVERLAP: "2h" });
    assert.equal(second.code, 0, second.stderr);
    assertExactSet([file], store.all());
    const state = committed(dir);
    assert.equal(state.seenFrom, state.cursor - 2 * HOUR, "the window covers the new overlap");

    // An hour and 100 minutes late: inside the 2h window now, so fetched, and written once.
    lateAndNew(sim, store, 100 * MINUTE, HOUR);
    const third = await fetch({ ...env, VCO_OVERLAP: "2h" });
    assert.equal(third.code, 0, third.stderr);
    assertExactSet([file], store.all());
    committed(dir);
  });

  it("narrowed from 2h to 15m, then widened back: the window follows, nothing written twice", async () => {
    const { sim, store, dir, env, file } = await simFixture({
      events: { count: 3000, oldest: 4 * HOUR },
    });
    const first = await fetch({ ...env, VCO_OVERLAP: "2h" }, "--since", "5h");
    assert.equal(first.code, 0, first.stderr);
    assertExactSet([file], store.all());

    lateAndNew(sim, store, 10 * MINUTE, 5 * MINUTE);
    const second = await fetch({ ...env, VCO_OVERLAP: "15m" });
    assert.equal(second.code, 0, second.stderr);
    assertExactSet([file], store.all());
    const narrowed = readState(dir)!;
    const cursor = narrowed.cursor!;
    assert.ok(
      narrowed.seen.every(([, t]) => t >= cursor - 15 * MINUTE),
      "the window shrank to the new overlap",
    );

    lateAndNew(sim, store, 10 * MINUTE, 5 * MINUTE);
    const third = await fetch({ ...env, VCO_OVERLAP: "2h" });
    assert.equal(third.code, 0, third.stderr);
    assertExactSet([file], store.all());
    assert.equal(
      committed(dir).seenFrom,
      cursor - 15 * MINUTE,
      "the narrowed window is complete from 15 minutes behind the cursor it had, and grows from there",
    );
  });

  for (const [what, newest] of [
    ["a window of events up to the cursor", 4_000],
    ["an empty window (nothing in the last 15 minutes)", 30 * MINUTE],
  ] as const) {
    it(`a state file without seenFrom (an older version's), ${what}: late events caught, none twice`, async () => {
      const { sim, store, dir, env, file } = await simFixture({
        events: { count: 3000, oldest: 3 * HOUR, newest },
      });
      const first = await fetch({ ...env, VCO_OVERLAP: "15m" }, "--since", "4h");
      assert.equal(first.code, 0, first.stderr);
      const path = statePath(dir, "enterprise-1.json");
      const old = JSON.parse(fs.readFileSync(path, "utf8")) as Record<string, unknown>;
      const hadSeenFrom = typeof old.seenFrom === "number";
      delete old.seenFrom;
      fs.writeFileSync(path, JSON.stringify(old));
      assert.equal((old.seen as unknown[]).length > 0, newest < 15 * MINUTE);

      // Published late, 5 to 10 minutes behind the cursor: inside the overlap the older version
      // re-read, so the first run after the upgrade must re-read it too (an empty window says
      // nothing was written there, not that nothing will be).
      const cursor = old.cursor as number;
      assert.ok(sim.now() - cursor < 5 * MINUTE, "the cursor is near the VCO's now");
      lateAndNew(sim, store, 10 * MINUTE, 5 * MINUTE);
      const second = await fetch({ ...env, VCO_OVERLAP: "15m" });
      assert.equal(second.code, 0, second.stderr);
      assertExactSet([file], store.all());
      assert.equal(readState(dir)?.lastError, null);
      assert.ok(hadSeenFrom, "this version writes seenFrom");
      assert.equal(committed(dir).seenFrom >= cursor - 15 * MINUTE, true);
    });
  }
  it("kill -9 at random instants while VCO_OVERLAP changes from run to run: the exact set", async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    const { sim, store, dir, env, file } = await simFixture({
      events: { count: 60_000, oldest: 10 * HOUR },
    });
    const overlaps = ["15m", "2h", "5m", "1h", "2h", "15m"];
    const history: string[] = [];
    const context = () => `seed ${seed} (CRASH_SEED replays it); runs: ${history.join(" ")}`;
    const progress = () => `${readState(dir)?.cursor ?? "-"}/${sizeOf(file)}`;
    let kills = 0;
    let killsMidWork = 0;
    let completed = 0;
    let lastRunMs = 2000;
    // Twelve runs, and more while fewer than three kills landed after some progress (a seed whose
    // first run completes the backfill leaves little work to kill: each later run has 300 events).
    for (let cycle = 0; cycle < 12 || (killsMidWork < 3 && cycle < 40); cycle++) {
      const overlap = overlaps[cycle % overlaps.length]!;
      const before = progress();
      const t0 = Date.now();
      const { child, done } = spawnCli(["fetch", "--since", "11h"], {
        ...env,
        VCO_OVERLAP: overlap,
      });
      const alive = () => child.exitCode === null && child.signalCode === null;
      // Most runs are killed: some just after an append (before its commit), some at a random
      // instant of a run as long as the last whole one.
      const how = random() < 0.25 ? "none" : random() < 0.5 ? "append" : "random";
      if (how === "append") {
        const base = sizeOf(file);
        while (alive() && sizeOf(file) === base) await new Promise((r) => setTimeout(r, 1));
      } else if (how === "random") {
        await new Promise((r) => setTimeout(r, 100 + random() * lastRunMs));
      }
      if (how !== "none" && alive()) await killHard(child);
      const r = await done;
      if (r.signal === "SIGKILL") {
        kills++;
        if (progress() !== before) killsMidWork++;
        history.push(`${overlap}:kill@${how}`);
      } else {
        assert.equal(r.code, 0, `${r.stderr}\n${context()}`);
        completed++;
        lastRunMs = Date.now() - t0;
        history.push(`${overlap}:done`);
      }
      if (readState(dir)?.cursor != null) committed(dir, { context: context() });
      // New events, and late ones: within 4 minutes, inside the narrowest overlap (5m).
      store.addSpread(300, sim.now() - 4 * MINUTE, sim.now() - 4_000);
    }
    assert.ok(killsMidWork >= 3, `only ${killsMidWork} kills after progress; ${context()}`);
    const final = await fetch({ ...env, VCO_OVERLAP: "2h" });
    assert.equal(final.code, 0, `${final.stderr}\n${context()}`);
    try {
      assertExactSet([file], store.all());
    } catch (err) {
      (err as Error).message += `\n${context()}`;
      throw err;
    }
    committed(dir, { context: context() });
    process.stdout.write(
      `# ${kills} kills (${killsMidWork} after progress), ${completed} whole runs; ${context()}\n`,
    );
  });
});
