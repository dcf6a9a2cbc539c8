// Crash safety: kill -9 at random instants, many times, over 300,000 events that arrive in bursts
// (a large backfill, then incremental runs), then one normal run. The output must hold every
// event exactly once, with no partial or corrupted line.
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { seededRandom } from "../../src/simulator/faults.js";
import {
  assertExactSet,
  fetch,
  HOUR,
  killHard,
  MINUTE,
  readState,
  simFixture,
  sizeOf,
  spawnCli,
  statePath,
} from "../helpers/kit.js";

const BACKFILL = 200_000;
const BURST = 10_000;
const BURSTS = 10;
const MIN_KILLS = 10;
const MAX_CYCLES = 40;

describe("crash safety", () => {
  it(`kill -9 at random instants (>= ${MIN_KILLS} times) over ${BACKFILL + BURST * BURSTS} events arriving in bursts`, async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    const { store, dir, env, file } = await simFixture({
      events: { count: BACKFILL, oldest: 20 * HOUR },
    });

    let kills = 0;
    let killsMidWork = 0;
    let uncommittedTails = 0;
    let completed = 0;
    let bursts = 0;
    let lastRunMs = 3000;
    const history: string[] = [];
    const progress = () => `${readState(dir)?.cursor ?? "-"}/${sizeOf(file)}`;
    for (
      let cycle = 0;
      cycle < MAX_CYCLES &&
      (kills < MIN_KILLS ||
        killsMidWork < MIN_KILLS / 2 ||
        uncommittedTails < 1 ||
        bursts < BURSTS ||
        completed < 2);
      cycle++
    ) {
      // Most runs are killed somewhere between start-up and the end; some are left to finish,
      // so the later bursts are also fetched by whole incremental runs.
      const kill =
        kills < MIN_KILLS || killsMidWork < MIN_KILLS / 2 || uncommittedTails < 1 || random() < 0.6;
      // Aimed more often while too few kills have landed mid-work; the others at a random instant
      // of a run as long as the last whole one (runs shrink from a backfill to small bursts).
      const targeted = random() < (killsMidWork < MIN_KILLS / 2 ? 0.6 : 0.4);
      const delay = 100 + random() * lastRunMs;
      const before = progress();
      const t0 = Date.now();
      const { child, done } = spawnCli(["fetch", "--since", "24h"], env);
      const alive = () => child.exitCode === null && child.signalCode === null;
      if (kill && targeted) {
        // Aimed at the narrow window between an append (and its fsync) and the state commit.
        const base = sizeOf(file);
        while (alive() && sizeOf(file) === base) await new Promise((r) => setTimeout(r, 1));
        if (alive()) {
          await killHard(child);
          kills++;
        }
      } else if (kill) {
        await new Promise((r) => setTimeout(r, delay));
        if (alive()) {
          await killHard(child);
          kills++;
        }
      }
      const r = await done;
      if (r.signal !== "SIGKILL") {
        assert.equal(r.code, 0, `run finished on its own but failed: ${r.stderr}`);
        completed++;
        lastRunMs = Date.now() - t0;
      }
      // The committed state is always whole: it is replaced atomically.
      const state = readState(dir);
      if (r.signal === "SIGKILL") {
        if (progress() !== before) killsMidWork++;
        if (state?.file && sizeOf(file) !== state.file.size) uncommittedTails++;
      }
      const how = targeted ? "append" : `${Math.round(delay)}ms`;
      history.push(r.signal === "SIGKILL" ? `kill@${how}` : `done(${Date.now() - t0}ms)`);
      // New events arrive in bursts between runs, some of them late (eventTime minutes back).
      if (bursts < BURSTS && cycle >= 3) {
        store.addSpread(BURST, Date.now() - 5 * MINUTE, Date.now() - 1000);
        bursts++;
      }
    }
    const context = `seed ${seed} (CRASH_SEED=${seed} replays it); runs: ${history.join(" ")}`;
    assert.ok(kills >= MIN_KILLS, `only ${kills} kills landed; ${context}`);
    assert.ok(uncommittedTails >= 1, `no kill landed between an append and its commit; ${context}`);
    assert.ok(
      killsMidWork >= MIN_KILLS / 2,
      `only ${killsMidWork} kills after progress; ${context}`,
    );
    assert.equal(bursts, BURSTS, context);

    const final = await fetch(env);
    assert.equal(final.code, 0, `${final.stderr}\n${context}`);
    const all = store.all();
    assert.equal(all.length, BACKFILL + BURST * BURSTS);
    try {
      assertExactSet([file], all);
    } catch (err) {
      (err as Error).message += `\n${context}`;
      throw err;
    }
    const leftovers = fs.readdirSync(statePath(dir)).filter((n) => n.startsWith("lock"));
    assert.deepEqual(leftovers, [], "no lock left behind by the final run");
    process.stdout.write(
      `# ${kills} kills (${killsMidWork} after progress, ${uncommittedTails} with an ` +
        `uncommitted tail), ${completed} whole runs; ${context}\n`,
    );
  });
});
