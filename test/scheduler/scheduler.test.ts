import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { startScheduler } from "../../src/scheduler/scheduler.js";
import { cronTrigger, type TriggerFactory } from "../../src/scheduler/trigger.js";
import { tempDir, waitFor } from "../helpers/kit.js";
import { handTrigger, memoryLogger, readWords, TIDY_MS, writeJob } from "./helpers.js";

const self = { execPath: process.execPath, cliPath: "/nonexistent/cli.js" };
const env = { PATH: process.env.PATH, MARK: "from-the-scheduler" };

/** A job (writeJob) that works for `ms`, appending to `out`; `extra` ends its command line. */
function setup(ms: number, extra = "") {
  const dir = tempDir("vco-sched-");
  const out = path.join(dir, "out.txt");
  const command = `${process.execPath} ${writeJob(dir)} ${out} ${ms}${extra}`;
  return { dir, out, command };
}

/**
 * A scheduler with one entry running `command` on schedule "A", ticked by hand (or by `trigger`),
 * logging to memory.
 */
function schedule(
  command: string,
  { runOnStart, trigger }: { runOnStart: boolean; trigger?: TriggerFactory },
  entry = { schedule: "A", origin: "crontab:1" },
) {
  const hand = handTrigger();
  const { logger, lines } = memoryLogger();
  const s = startScheduler({
    entries: [{ ...entry, command }],
    env,
    logger,
    trigger: trigger ?? hand.factory,
    self,
    runOnStart,
  });
  return { s, hand, lines };
}

const until = (what: string, ok: () => boolean, timeoutMs = 5_000) => waitFor(what, ok, timeoutMs);

const msgs = (lines: Array<Record<string, unknown>>, event: string) =>
  lines.filter((l) => l.event === event);

describe("scheduler", () => {
  it("runs a job at start with the scheduler's environment, then on each tick", async () => {
    const { out, command } = setup(0);
    const { s, hand, lines } = schedule(command, { runOnStart: true });
    await until("the start-up run", () => msgs(lines, "job-finished").length === 1);
    hand.tick("A");
    await until("the ticked run", () => msgs(lines, "job-finished").length === 2);
    await s.stop("SIGTERM");
    const starts = readWords(out).filter((w) => w[1] === "start");
    assert.equal(starts.length, 2);
    assert.deepEqual(
      starts.map((w) => w[2]),
      ["from-the-scheduler", "from-the-scheduler"],
    );
    assert.deepEqual(
      msgs(lines, "job-started").map((l) => l.trigger),
      ["start", "schedule"],
    );
    assert.equal(msgs(lines, "job-finished")[0]?.code, 0);
    assert.equal(hand.stops(), 1, "the trigger was stopped");
  });

  it("skips a tick while the previous run is still going, and says so", async () => {
    const { out, command } = setup(600);
    const { s, hand, lines } = schedule(command, { runOnStart: false });
    hand.tick("A");
    hand.tick("A");
    hand.tick("A");
    assert.equal(msgs(lines, "tick-skipped").length, 2);
    await until("the run to end", () => msgs(lines, "job-finished").length === 1);
    hand.tick("A");
    await until("the next run", () => msgs(lines, "job-finished").length === 2);
    await s.stop("SIGTERM");
    assert.equal(readWords(out).filter((w) => w[1] === "start").length, 2);
    assert.equal(s.started, 2);
  });

  it("on stop passes SIGTERM to the running job and returns only after it has tidied up", async () => {
    const { out, command } = setup(30_000);
    const { s, hand, lines } = schedule(command, { runOnStart: true });
    await until("the job to start", () => readWords(out).length === 1);
    const t0 = Date.now();
    await s.stop("SIGTERM");
    // The job tidies up for TIDY_MS after the SIGTERM, which came after t0 (less a tick of the clock).
    assert.ok(Date.now() - t0 >= TIDY_MS - 10, "waited for the job's tidy-up");
    assert.deepEqual(
      readWords(out).map((w) => w[1]),
      ["start", "term", "tidy"],
    );
    const stopped = msgs(lines, "job-stopped-early");
    assert.equal(stopped[0]?.code, 75);
    hand.tick("A");
    assert.equal(s.started, 1, "no run starts after stop");
  });

  it("signals a shell job's whole process group, not just the shell", async () => {
    const { out, command } = setup(30_000, " | cat");
    const { s } = schedule(command, { runOnStart: true });
    await until("the job to start", () => readWords(out).length === 1);
    await s.stop("SIGTERM");
    assert.deepEqual(
      readWords(out).map((w) => w[1]),
      ["start", "term", "tidy"],
    );
  });

  it("logs a command that cannot start, and runs it again on the next tick", async () => {
    const { s, hand, lines } = schedule("/nonexistent/program", { runOnStart: true });
    await until("the failure", () => msgs(lines, "job-not-started").length === 1);
    hand.tick("A");
    await until("the retry", () => msgs(lines, "job-not-started").length === 2);
    await s.stop("SIGTERM");
    assert.match(String(msgs(lines, "job-not-started")[0]?.error), /ENOENT/);
  });

  it("fires on the wall clock with croner (a seconds schedule)", async () => {
    const { out, command } = setup(0);
    const { s, lines } = schedule(
      command,
      { runOnStart: false, trigger: cronTrigger() },
      { schedule: "* * * * * *", origin: "VCO_SCHEDULE" },
    );
    await until("two clock ticks", () => msgs(lines, "job-finished").length >= 2, 4_000);
    await s.stop("SIGTERM");
    assert.ok(readWords(out).filter((w) => w[1] === "start").length >= 2);
    const started = msgs(lines, "scheduler-started")[0] as { jobs: Array<{ next: string }> };
    assert.ok(Date.parse(started.jobs[0]!.next) > 0, "the next run time is logged");
  });
});
