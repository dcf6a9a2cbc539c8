import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import {
  HOUR,
  keyOf,
  logLines,
  readLines,
  runCli,
  simFixture,
  spawnCli,
  statePath,
  waitFor,
} from "../helpers/kit.js";

describe("vco-events schedule (the built CLI, against the simulator)", () => {
  it("fetches at start and on each tick, then stops cleanly on SIGTERM with exit 0", async () => {
    const { dir, env, file } = await simFixture({
      events: { count: 500, oldest: HOUR },
      env: { VCO_SCHEDULE: "* * * * * *", VCO_RUN_ON_START: "true" },
    });
    const { child, done, stdout } = spawnCli(["schedule"], env, dir);
    const finished = () => logLines(stdout()).filter((l) => l.event === "job-finished").length;
    await waitFor("two runs", () => finished() >= 2, 8_000);
    child.kill("SIGTERM");
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const logs = logLines(r.stdout);
    assert.ok(logs.some((l) => l.event === "scheduler-stopped"));
    assert.equal(logs.filter((l) => l.event === "run-finished").length >= 2, true);
    const lines = readLines(file);
    assert.equal(lines.length, 500);
    assert.equal(new Set(lines.map(keyOf)).size, 500, "no duplicates across runs");
    assert.equal(fs.existsSync(statePath(dir, "lock")), false, "lock released");
  });

  it("a SIGTERM during a fetch reaches it, the run stops at a commit point, and nothing is lost", async () => {
    const { dir, env, file } = await simFixture({
      events: { count: 40_000, oldest: 20 * HOUR },
      env: { VCO_SCHEDULE: "0 0 1 1 *", VCO_RUN_ON_START: "true", LOG_LEVEL: "debug" },
    });
    const { child, done, stdout } = spawnCli(["schedule"], env, dir);
    // The backlog starts inside the window, so the first slices can be empty: wait for one with events.
    const writtenEvents = () =>
      logLines(stdout()).some((l) => l.event === "slice-written" && Number(l.written) > 0);
    await waitFor("the first slice with events", writtenEvents, 8_000);
    child.kill("SIGTERM");
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const logs = logLines(stdout());
    const exit = logs.find((l) => l.event === "job-stopped-early" || l.event === "job-finished");
    assert.ok(exit, "the job's end is logged");
    const before = readLines(file).length;
    assert.ok(before > 0 && before <= 40_000);

    // The next run picks up where the stopped one left off: every event exactly once.
    const again = await runCli(["fetch"], { ...env, LOG_LEVEL: "warn" }, dir);
    assert.equal(again.code, 0, again.stderr);
    const lines = readLines(file);
    assert.equal(lines.length, 40_000);
    assert.equal(new Set(lines.map(keyOf)).size, 40_000);
  });
});
