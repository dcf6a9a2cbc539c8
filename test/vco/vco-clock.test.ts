import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VcoClock } from "../../src/vco/vco-clock.js";
import { FakeClock } from "../helpers/kit.js";

describe("VcoClock", () => {
  it("starts from the offset remembered from an earlier run", () => {
    const local = new FakeClock();
    const vco = new VcoClock(local, -40 * 60_000);
    assert.equal(vco.now(), local.now() - 40 * 60_000);
    assert.equal(vco.measured, undefined);
  });

  it("follows each reply's Date header, never ahead of the VCO's now", () => {
    const local = new FakeClock(Date.parse("2026-11-30T12:00:00.000Z"));
    const vco = new VcoClock(local, 123);
    vco.observe("Mon, 30 Nov 2026 11:20:00 GMT");
    assert.equal(vco.offsetMs, -40 * 60_000);
    assert.deepEqual(vco.measured, { offsetMs: -40 * 60_000, at: local.now() });
    local.t += 10_000;
    assert.equal(vco.now(), Date.parse("2026-11-30T11:20:10.000Z"));
  });

  it("ignores a missing or unreadable header", () => {
    const vco = new VcoClock(new FakeClock(), 7);
    vco.observe(undefined);
    vco.observe("yesterday-ish");
    assert.equal(vco.offsetMs, 7);
    assert.equal(vco.measured, undefined);
  });
});
