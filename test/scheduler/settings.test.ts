import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/errors.js";
import { loadSettings } from "../../src/scheduler/settings.js";
import { tempDir } from "../helpers/kit.js";

describe("loadSettings", () => {
  it("reads ./crontab by default; VCO_SCHEDULE replaces the times of every line", async () => {
    const cwd = tempDir("vco-settings-");
    fs.writeFileSync(path.join(cwd, "crontab"), "*/15 * * * * vco-events fetch\n@daily echo hi\n");
    const plain = await loadSettings({ env: {}, cwd });
    assert.deepEqual(
      plain.entries.map((e) => e.schedule),
      ["*/15 * * * *", "0 0 * * *"],
    );
    assert.equal(plain.runOnStart, false);
    const moved = await loadSettings({ env: { VCO_SCHEDULE: "*/5 * * * *" }, cwd });
    assert.deepEqual(
      moved.entries.map((e) => [e.schedule, e.command]),
      [
        ["*/5 * * * *", "vco-events fetch"],
        ["*/5 * * * *", "echo hi"],
      ],
    );
  });

  it("VCO_CRONTAB and --crontab name the file; without one, VCO_SCHEDULE schedules a fetch", async () => {
    const cwd = tempDir("vco-settings-");
    fs.writeFileSync(path.join(cwd, "jobs"), "0 * * * * vco-events fetch --since 1h\n");
    const viaEnv = await loadSettings({ env: { VCO_CRONTAB: "jobs" }, cwd });
    assert.equal(viaEnv.entries[0]?.command, "vco-events fetch --since 1h");
    const viaFlag = await loadSettings({ env: { VCO_CRONTAB: "nope" }, cwd, crontab: "jobs" });
    assert.equal(viaFlag.entries[0]?.origin, `${path.join(cwd, "jobs")}:1`);
    const none = await loadSettings({ env: { VCO_SCHEDULE: "@hourly" }, cwd });
    assert.deepEqual(none.entries, [
      { schedule: "0 * * * *", command: "vco-events fetch", origin: "VCO_SCHEDULE" },
    ]);
  });

  it("a missing crontab without VCO_SCHEDULE, or a named one that is missing, is a ConfigError", async () => {
    const cwd = tempDir("vco-settings-");
    await assert.rejects(loadSettings({ env: {}, cwd }), (e: unknown) => {
      return (
        e instanceof ConfigError && /cannot read the crontab .*ENOENT.*VCO_SCHEDULE/.test(e.message)
      );
    });
    await assert.rejects(
      loadSettings({ env: { VCO_SCHEDULE: "* * * * *" }, cwd, crontab: "missing" }),
      ConfigError,
    );
  });

  it("reads VCO_RUN_ON_START and LOG_LEVEL, and the flag wins over the variable", async () => {
    const cwd = tempDir("vco-settings-");
    const env = { VCO_SCHEDULE: "* * * * *", VCO_RUN_ON_START: "true", LOG_LEVEL: "warn" };
    const s = await loadSettings({ env, cwd });
    assert.equal(s.runOnStart, true);
    assert.equal(s.logLevel, "warn");
    assert.equal((await loadSettings({ env, cwd, runOnStart: false })).runOnStart, false);
    await assert.rejects(
      loadSettings({ env: { ...env, VCO_RUN_ON_START: "maybe" }, cwd }),
      /VCO_RUN_ON_START must be true or false/,
    );
    await assert.rejects(loadSettings({ env: { ...env, LOG_LEVEL: "loud" }, cwd }), ConfigError);
  });
});
