import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBehind } from "../../src/forward/lag.js";

const HOUR = 3_600_000;
const now = Date.parse("2026-11-30T12:00:00Z");
const at = (msAgo: number) => new Date(now - msAgo).toISOString();

describe("a sink behind by more than max-age", () => {
  it("nothing pending is never behind", () => {
    assert.equal(
      isBehind({ sink: "s", pending: 0, oldestPending: null, deliveredAt: null }, now, HOUR),
      false,
    );
  });
  it("an old unsent event and no delivery for that long is behind", () => {
    assert.equal(
      isBehind(
        { sink: "s", pending: 5, oldestPending: at(2 * HOUR), deliveredAt: at(3 * HOUR) },
        now,
        HOUR,
      ),
      true,
    );
    assert.equal(
      isBehind(
        { sink: "s", pending: 5, oldestPending: at(2 * HOUR), deliveredAt: null },
        now,
        HOUR,
      ),
      true,
    );
  });
  it("draining an old backlog (a recent delivery) is not behind", () => {
    assert.equal(
      isBehind(
        { sink: "s", pending: 5, oldestPending: at(30 * HOUR), deliveredAt: at(60_000) },
        now,
        HOUR,
      ),
      false,
    );
  });
  it("a recent unsent event is not behind yet", () => {
    assert.equal(
      isBehind(
        { sink: "s", pending: 5, oldestPending: at(10 * 60_000), deliveredAt: null },
        now,
        HOUR,
      ),
      false,
    );
  });
});
