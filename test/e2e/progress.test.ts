// A long run shows how far it has got: an info line every VCO_PROGRESS_INTERVAL in the log, and
// on a terminal a live line per enterprise on stderr. A quiet cron run prints neither.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { describe, it } from "node:test";
import {
  CLI,
  cliEnv,
  collect,
  envFor,
  fetch,
  HOUR,
  logLines,
  startSimWith,
  tempDir,
} from "../helpers/kit.js";

const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
})();

/** A backfill of a few seconds: pages are as slow to come as from a real orchestrator. */
const slowBackfill = () =>
  startSimWith({ options: { latencyMs: 400 }, events: { count: 60_000, oldest: 20 * HOUR } });

const progressLines = (stdout: string) => logLines(stdout).filter((l) => l.event === "progress");

describe("progress of a long run", () => {
  it("logs where it has got every interval, and nothing on a quiet run", async () => {
    const sim = await slowBackfill();
    const env = envFor(sim, tempDir());
    const r = await fetch({ ...env, VCO_PROGRESS_INTERVAL: "1s" });
    assert.equal(r.code, 0, r.stderr);
    const lines = progressLines(r.stdout);
    assert.ok(lines.length >= 2, `progress lines: ${lines.length}`);
    for (const l of lines) {
      assert.equal(l.level, "info");
      assert.equal(l.enterprise, "ACME Corp");
      assert.match(String(l.reached), /^\d{4}-\d{2}-\d{2}T/);
      assert.ok(Number(l.percent) >= 0 && Number(l.percent) <= 100);
    }
    const written = lines.map((l) => Number(l.written));
    assert.deepEqual(
      written,
      [...written].sort((a, b) => a - b),
      "written only grows",
    );
    assert.ok(written.at(-1)! > 0 && written.at(-1)! < 60_000);
    // Not a terminal: nothing but the log, and stderr stays empty.
    assert.equal(r.stderr, "");

    // A quiet run, as cron runs it: the default interval, which one request never lasts (with a
    // 1 s interval, a busy machine can stretch even a quiet run past the first line).
    const quiet = await fetch(env);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.deepEqual(progressLines(quiet.stdout), []);
  });

  it(
    "on a terminal, a live line with the day reached, a rate and an ETA",
    { skip: !hasScript && "no script(1)" },
    async () => {
      const sim = await slowBackfill();
      const env = cliEnv(envFor(sim, tempDir(), { LOG_LEVEL: "warn" }));
      // script(1) gives the CLI a pseudo-terminal, as a person running it by hand has.
      const child = spawn(
        "script",
        ["-qefc", `"${process.execPath}" "${CLI}" fetch`, "/dev/null"],
        {
          env,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const r = await collect(child);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const screen = r.stdout;
      assert.match(screen, /ACME Corp: [\d,]+ events, at \d{4}-\d{2}-\d{2} \(\d+%\), [\d,]+\/s/);
      assert.match(screen, /ETA \d+[smhd]/);
      // The lines are erased at the end: the last thing on the screen is not a progress line.
      assert.match(screen, /\x1b\[\d+A\x1b\[0J$/);
    },
  );
});
