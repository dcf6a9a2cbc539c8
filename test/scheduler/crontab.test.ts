import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/errors.js";
import { parseCrontab, parseSchedule } from "../../src/scheduler/crontab.js";

describe("parseCrontab", () => {
  it("reads five fields and the rest of the line as the command; skips comments and blanks", () => {
    const text = [
      "# every 15 minutes",
      "",
      "*/15 * * * * vco-events fetch",
      "  0 3 * * 1-5   sh -c 'echo  two  spaces'  ",
      "@hourly vco-events status --max-age 45m",
    ].join("\n");
    assert.deepEqual(parseCrontab(text, "crontab"), [
      { schedule: "*/15 * * * *", command: "vco-events fetch", origin: "crontab:3" },
      { schedule: "0 3 * * 1-5", command: "sh -c 'echo  two  spaces'", origin: "crontab:4" },
      { schedule: "0 * * * *", command: "vco-events status --max-age 45m", origin: "crontab:5" },
    ]);
  });

  it("names the line of a bad schedule", () => {
    assert.throws(
      () => parseCrontab("*/15 * * * * vco-events fetch\n* * * * mon-fry b", "/app/crontab"),
      (e: unknown) =>
        e instanceof ConfigError && /\/app\/crontab:2: .*not a cron schedule/.test(e.message),
    );
    assert.throws(
      () => parseCrontab("61 * * * * vco-events fetch", "c"),
      (e: unknown) => e instanceof ConfigError && /c:1: "61 \* \* \* \*"/.test(e.message),
    );
  });

  it("refuses a line without a command, variable lines, @reboot and an empty file", () => {
    assert.throws(() => parseCrontab("* * * * *", "c"), /c:1: no command/);
    assert.throws(() => parseCrontab("VCO_TOKEN=x\n* * * * * a", "c"), /c:1: variable lines/);
    assert.throws(() => parseCrontab("@reboot vco-events fetch", "c"), /VCO_RUN_ON_START/);
    assert.throws(
      () => parseCrontab("# nothing\n\n", "c"),
      (e: unknown) => e instanceof ConfigError,
    );
  });
});

describe("parseSchedule (VCO_SCHEDULE)", () => {
  it("takes five fields, an optional seconds field, or a nickname", () => {
    assert.equal(parseSchedule(" */5  * * * * ", "VCO_SCHEDULE"), "*/5 * * * *");
    assert.equal(parseSchedule("*/10 * * * * *", "VCO_SCHEDULE"), "*/10 * * * * *");
    assert.equal(parseSchedule("@daily", "VCO_SCHEDULE"), "0 0 * * *");
    assert.throws(
      () => parseSchedule("every 5 minutes", "VCO_SCHEDULE"),
      /^ConfigError: VCO_SCHEDULE/,
    );
  });
});
