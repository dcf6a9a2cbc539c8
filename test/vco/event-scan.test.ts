import assert from "node:assert/strict";
import { it } from "node:test";
import { EventFactory } from "../../src/simulator/event-factory.js";
import { batchFromParsed, type EventBatch } from "../../src/vco/event-batch.js";
import { EventScanner } from "../../src/vco/event-scan.js";
import { PageMemory } from "../../src/vco/page-pool.js";
import { eventKey } from "../../src/vco/event-key.js";

const memory = new PageMemory();
// One scanner for every reply here, as for every page of a query: what it keeps between replies
// must not change what it reads.
const scanner = new EventScanner(memory);
const scanEventsReply = (text: string) => scanner.scan(Buffer.from(text));

const reply = (data: unknown[], meta: object = { limit: 2048, more: true, nextPageLink: 'x"]}' }) =>
  JSON.stringify({ metaData: meta, data });

const T = '"eventTime":"2024-01-01T00:00:00.000Z"';

/** Each event of a batch as [line, key, time]. */
const rows = (b: EventBatch) =>
  Array.from({ length: b.count }, (_, i) => [b.line(i).toString(), b.key(i), b.time[i]]);

it("finds every event's text, key and eventTime, as JSON.parse and eventKey would", () => {
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
  events.push({ id: null, logicalId: 'l-\u00e9\\"', eventTime: "2024-01-01T00:00:00.000Z" });
  events.push({ id: "a string id", eventTime: "2024-02-29T23:59:59.999Z", detail: '{"id":3}' });
  events.push({ logicalId: "x", eventTime: "2024-01-01T00:00:00Z" }); // another time format
  const text = reply(events);
  const scanned = scanEventsReply(text)!;
  assert.deepEqual(scanned.metaData, JSON.parse(text).metaData);
  const expected = events.map((e) => {
    const k = eventKey(e) as { key: string; time: number };
    return [JSON.stringify(e), k.key, k.time];
  });
  assert.deepEqual(rows(scanned.data), expected);
  assert.deepEqual(
    rows(batchFromParsed(events, memory) as EventBatch),
    expected,
    "the slow way agrees",
  );
});

it("reads ids as String() would, and keeps the last of a repeated name", () => {
  const s = scanEventsReply(
    `{"metaData":{"limit":9,"more":false},"data":[{"id":1,"id":2,${T}},{"id":1.0,${T}},` +
      `{"id":7e0,${T}},{"id":null,"logicalId":"\\u00e9",${T}},{"logicalId":"é",${T}},{"id":0,${T}}]}`,
  )!;
  assert.deepEqual(
    rows(s.data).map((r) => r[1]),
    ["2", "1", "7", "é", "é", "0"],
  );
  assert.ok(s.data.sameKey(3, s.data, 4), "an escaped key equals its plain form");
  assert.ok(!s.data.sameKey(0, s.data, 1));
  assert.equal(s.data.descending, true);
});

it("tells a page that is newest first from one that is not", () => {
  const at = (iso: string) => `{"id":1,"eventTime":"${iso}"}`;
  const meta = '"metaData":{"more":false}';
  const down = scanEventsReply(
    `{${meta},"data":[${at("2024-01-02T00:00:00.000Z")},${at("2024-01-01T00:00:00.000Z")}]}`,
  )!;
  const up = scanEventsReply(
    `{${meta},"data":[${at("2024-01-01T00:00:00.000Z")},${at("2024-01-02T00:00:00.000Z")}]}`,
  )!;
  assert.equal(down.data.descending, true);
  assert.equal(up.data.descending, false);
  assert.equal(up.data.oldest, Date.UTC(2024, 0, 1));
  assert.equal(up.data.newest, Date.UTC(2024, 0, 2));
});

it("rewrites an event printed over several lines on one line, and keeps the others' bytes", () => {
  const plain = `{"id":1,${T},"n":1.0,"s":"\\u00e9"}`;
  const s = scanEventsReply(
    `{"metaData":{"more":false},"data":[${plain},\n  {\n    "id": 2,\n    ${T}\n  }]}`,
  )!;
  assert.equal(s.data.line(0).toString(), plain, "byte for byte, not re-serialised");
  assert.equal(s.data.line(1).toString(), `{"id":2,${T}}`);
  assert.deepEqual([s.data.key(0), s.data.key(1)], ["1", "2"]);
});

it("declines anything but the plain shape, so the caller falls back to JSON.parse", () => {
  const ok = reply([{ id: 1, eventTime: "2024-01-01T00:00:00.000Z" }]);
  assert.ok(scanEventsReply(ok));
  for (const bad of [
    ok.slice(0, ok.length - 5), // cut off
    `${ok} x`, // trailing garbage
    '{"error":{"code":-32000,"message":"tokenError"},"metaData":{},"data":[]}',
    '{"metaData":{"more":false}}', // no data
    '{"data":[]}', // no metaData
    '{"metaData":{},"data":[1,2]}', // events that are not objects
    '{"metaData":{},"data":[{"eventTime":"2024-01-01T00:00:00.000Z"}]}', // no key: the slow way says so
    '{"metaData":{},"data":[{"id":1,"eventTime":"soon"}]}', // unreadable time: likewise
    '[{"id":1}]',
    "",
  ]) {
    assert.equal(scanEventsReply(bad), undefined, bad.slice(0, 40));
  }
});
