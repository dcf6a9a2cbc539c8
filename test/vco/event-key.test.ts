import assert from "node:assert/strict";
import { it } from "node:test";
import { eventKey, parseEventTime } from "../../src/vco/event-key.js";

it("reads the VCO's eventTime form directly and agrees with Date.parse on everything", () => {
  for (const s of [
    "2021-10-23T06:48:57.000Z",
    "2024-02-29T23:59:59.999Z",
    "2024-02-30T00:00:00.000Z",
    "2024-13-01T00:00:00.000Z",
    "2021-10-23T06:48:57Z",
    "2021-10-23T06:48:57.123+02:00",
    "garbage",
  ]) {
    assert.ok(Object.is(parseEventTime(s), Date.parse(s)), s);
  }
});

it("keys events on id, else logicalId, and says what is wrong with an unusable one", () => {
  const t = "2024-05-01T00:00:00.000Z";
  assert.deepEqual(eventKey({ id: 5, logicalId: "x", eventTime: t }), {
    key: "5",
    time: Date.parse(t),
  });
  assert.deepEqual(eventKey({ id: null, logicalId: "u-1", eventTime: t }), {
    key: "u-1",
    time: Date.parse(t),
  });
  assert.match(String(eventKey({ eventTime: t })), /neither an id nor a logicalId/);
  assert.match(String(eventKey({ id: 1 })), /event 1 has no eventTime/);
  assert.match(String(eventKey({ id: 1, eventTime: "soon" })), /unreadable eventTime "soon"/);
  assert.match(String(eventKey([1])), /not an object/);
});
