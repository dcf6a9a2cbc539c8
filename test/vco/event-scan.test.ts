import assert from "node:assert/strict";
import { it } from "node:test";
import { EventFactory } from "../../src/simulator/event-factory.js";
import { scanEventsReply as scanBytes, tokenValue } from "../../src/vco/event-scan.js";

const scanEventsReply = (text: string) => scanBytes(Buffer.from(text));

const reply = (data: unknown[], meta: object = { limit: 2048, more: true, nextPageLink: 'x"]}' }) =>
  JSON.stringify({ metaData: meta, data });

it("finds every event's text and its id, logicalId and eventTime, as JSON.parse would", () => {
  const classic = new EventFactory("classic", "ACME", 7);
  const modern = new EventFactory("6.2", "ACME", 7);
  const events: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 200; i++) events.push((i % 2 ? classic : modern).make(Date.now() - i * 1000));
  events.push({
    id: 5,
    eventTime: "2024-01-01T00:00:00.000Z",
    nested: { id: 99, a: [{ eventTime: "no" }] },
    s: '}],"id":1',
  });
  events.push({
    id: null,
    logicalId: 'l-\u00e9\\"',
    eventTime: "2024-01-01T00:00:00.000Z",
    detail: '{"id":3}',
  });
  const text = reply(events);
  const scanned = scanEventsReply(text)!;
  assert.deepEqual(scanned.metaData, JSON.parse(text).metaData);
  assert.equal(scanned.data.length, events.length);
  scanned.data.forEach((s, i) => {
    const e = events[i]!;
    assert.equal(s.bytes.toString(), JSON.stringify(e));
    assert.equal(s.multiline, false);
    assert.deepEqual(tokenValue(s.idToken), e.id);
    assert.deepEqual(tokenValue(s.logicalIdToken), e.logicalId);
    assert.deepEqual(tokenValue(s.eventTimeToken), e.eventTime);
  });
});

it("keeps the last of a repeated key, and flags pretty-printed events", () => {
  const s = scanEventsReply(
    '{"metaData":{"limit":1,"more":false},"data":[{"id":1,"id":2,"eventTime":"t"},\n{\n "id": 3\n}]}',
  )!;
  assert.equal(tokenValue(s.data[0]!.idToken), 2);
  assert.equal(s.data[0]!.multiline, false);
  assert.equal(s.data[1]!.multiline, true);
  assert.deepEqual(JSON.parse(s.data[1]!.bytes.toString()), { id: 3 });
});

it("declines anything but the plain shape, so the caller falls back to JSON.parse", () => {
  const ok = reply([{ id: 1, eventTime: "t" }]);
  assert.ok(scanEventsReply(ok));
  for (const bad of [
    ok.slice(0, ok.length - 5), // cut off
    `${ok} x`, // trailing garbage
    '{"error":{"code":-32000,"message":"tokenError"},"metaData":{},"data":[]}',
    '{"metaData":{"more":false}}', // no data
    '{"data":[]}', // no metaData
    '{"metaData":{},"data":[1,2]}', // events that are not objects
    '[{"id":1}]',
    "",
  ]) {
    assert.equal(scanEventsReply(bad), undefined, bad.slice(0, 40));
  }
});
