import assert from "node:assert/strict";
import { it } from "node:test";
import { formatDuration, parseDuration, parseSince } from "../src/time.js";

it("parses durations", () => {
  assert.equal(parseDuration("45m"), 45 * 60_000);
  assert.equal(parseDuration("2h"), 7_200_000);
  assert.equal(parseDuration("7d"), 7 * 86_400_000);
  assert.equal(parseDuration("90"), 90_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("soon"), undefined);
  assert.equal(parseDuration("-5m"), undefined);
});

it("parses --since as a lookback or an ISO time", () => {
  const now = Date.parse("2024-05-10T00:00:00Z");
  assert.equal(parseSince("2h", now), now - 7_200_000);
  assert.equal(parseSince("2024-05-01T00:00:00Z", now), Date.parse("2024-05-01T00:00:00Z"));
  assert.equal(parseSince("2024-05-01", now), Date.parse("2024-05-01"));
  assert.equal(parseSince("yesterday", now), undefined);
  assert.equal(parseSince("2024-13-45", now), undefined);
});

it("formats ages for people", () => {
  assert.equal(formatDuration(30_000), "30s");
  assert.equal(formatDuration(45 * 60_000), "45m");
  assert.equal(formatDuration(5 * 3_600_000), "5h");
  assert.equal(formatDuration(3 * 86_400_000), "3d");
});
