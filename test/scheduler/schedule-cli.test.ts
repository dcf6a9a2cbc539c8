import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { collect, logLines, startCli } from "../helpers/cli.js";
import { envFor, startSim } from "../helpers/sim.js";
import { keyOf, readLines, tempDir } from "../helpers/tmp.js";
import { until } from "./helpers.js";

const HOUR = 3_600_000;

describe("vco-events schedule (the built CLI, against the simulator)", () => {
  it("fetches at start and on each tick, then stops cleanly on SIGTERM with exit 0", async () => {
    const sim = await startSim();
    const now = Date.now();
    sim.enterprises.get(1)!.store.addSpread(500, now - HOUR, now - 1000);
    const dir = tempDir();
    const child = startCli(
      ["schedule"],
      envFor(sim, dir, { VCO_SCHEDULE: "* * * * * *", VCO_RUN_ON_START: "true" }),
      dir,
    );
    let stdout = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    const result = collect(child);
    const finished = () => logLines(stdout).filter((l) => l.event === "job-finished").length;
    await until("two runs", () => finished() >= 2, 8_000);
    child.kill("SIGTERM");
    const r = await result;
    assert.equal(r.code, 0, r.stderr);
    const logs = logLines(stdout + r.stdout);
    assert.ok(logs.some((l) => l.event === "scheduler-stopped"));
    assert.equal(logs.filter((l) => l.event === "run-finished").length >= 2, true);
    const lines = readLines(path.join(dir, "ACME_Corp", "events.json"));
    assert.equal(lines.length, 500);
    assert.equal(new Set(lines.map(keyOf)).size, 500, "no duplicates across runs");
    assert.equal(fs.existsSync(path.join(dir, ".state", "lock")), false, "lock released");
  });

  it("a SIGTERM during a fetch reaches it, the run stops at a commit point, and nothing is lost", async () => {
    const sim = await startSim();
    const now = Date.now();
    sim.enterprises.get(1)!.store.addSpread(40_000, now - 20 * HOUR, now - 1000);
    const dir = tempDir();
    const env = envFor(sim, dir, {
      VCO_SCHEDULE: "0 0 1 1 *",
      VCO_RUN_ON_START: "true",
      LOG_LEVEL: "debug",
    });
    const child = startCli(["schedule"], env, dir);
    let stdout = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    const result = collect(child);
    // The backlog starts inside the window, so the first slices can be empty: wait for one with events.
    const writtenEvents = () =>
      logLines(stdout.slice(0, stdout.lastIndexOf("\n") + 1)).some(
        (l) => l.event === "slice-written" && Number(l.written) > 0,
      );
    await until("the first slice with events", writtenEvents, 8_000);
    child.kill("SIGTERM");
    const r = await result;
    assert.equal(r.code, 0, r.stderr);
    const logs = logLines(stdout);
    const exit = logs.find((l) => l.event === "job-stopped-early" || l.event === "job-finished");
    assert.ok(exit, "the job's end is logged");
    const file = path.join(dir, "ACME_Corp", "events.json");
    const before = readLines(file).length;
    assert.ok(before > 0 && before <= 40_000);

    // The next run picks up where the stopped one left off: every event exactly once.
    const again = await collect(startCli(["fetch"], { ...env, LOG_LEVEL: "warn" }, dir));
    assert.equal(again.code, 0, again.stderr);
    const lines = readLines(file);
    assert.equal(lines.length, 40_000);
    assert.equal(new Set(lines.map(keyOf)).size, 40_000);
  });
});
