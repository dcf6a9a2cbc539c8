// The HEC stand-in against Splunk's documented API, over real loopback HTTP: what a client sees on
// the wire is what is asserted.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HecReceiver, splitConcatenatedJson, startHecReceiver } from "./hec-receiver.js";

const CHANNEL = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba";

async function post(r: HecReceiver, path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${r.url}${path}`, { method: "POST", body, headers });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  };
}

describe("splitConcatenatedJson", () => {
  it("reads objects one after another, with or without whitespace between", () => {
    assert.deepEqual(splitConcatenatedJson('{"a":1}{"b":"}{\\"x"}\n {"c":[1,{"d":2}]}\n'), [
      { a: 1 },
      { b: '}{"x' },
      { c: [1, { d: 2 }] },
    ]);
    assert.deepEqual(splitConcatenatedJson(" \n"), []);
  });
  it("refuses arrays, commas between objects, and cut-off objects", () => {
    assert.equal(splitConcatenatedJson('[{"a":1}]'), undefined);
    assert.equal(splitConcatenatedJson('{"a":1},{"b":2}'), undefined);
    assert.equal(splitConcatenatedJson('{"a":1}{"b":'), undefined);
    assert.equal(splitConcatenatedJson('{"a":tru}'), undefined);
  });
});

describe("HEC receiver", () => {
  let r: HecReceiver;
  before(async () => {
    r = await startHecReceiver({
      tokens: { good: {}, off: { disabled: true }, acked: { ack: true } },
    });
  });
  after(() => r.stop());
  const auth = (t: string) => ({ Authorization: `Splunk ${t}` });
  const ev = '{"event":{"n":1}}{"event":"two","host":"h"}';

  it("takes concatenated events with a valid token: 200, code 0, each event recorded", async () => {
    const before = r.events.length;
    const a = await post(r, "/services/collector/event", ev, auth("good"));
    assert.deepEqual([a.status, a.body], [200, { text: "Success", code: 0 }]);
    assert.deepEqual(
      r.events.slice(before).map((e) => e.hec.event),
      [{ n: 1 }, "two"],
    );
  });

  it("answers token problems with Splunk's codes and statuses, recording nothing", async () => {
    const before = r.events.length;
    const cases: Array<[Record<string, string>, number, number]> = [
      [{}, 401, 2],
      [{ Authorization: "Bearer good" }, 401, 3],
      [auth("wrong"), 403, 4],
      [auth("off"), 403, 1],
    ];
    for (const [headers, status, code] of cases) {
      const a = await post(r, "/services/collector/event", ev, headers);
      assert.deepEqual([a.status, a.body.code], [status, code], JSON.stringify(headers));
    }
    assert.equal(r.events.length, before);
  });

  it("refuses empty and malformed bodies and events without an event field", async () => {
    const cases: Array<[string, number]> = [
      ["", 5],
      ["not json", 6],
      ['{"event":1},{"event":2}', 6],
      ['{"time":1}', 12],
      ['{"event":""}', 13],
    ];
    for (const [body, code] of cases) {
      const a = await post(r, "/services/collector/event", body, auth("good"));
      assert.deepEqual([a.status, a.body.code], [400, code], body);
    }
  });

  it("with ack on: needs a GUID channel, gives ackIds per channel, and reports each ack once", async () => {
    let a = await post(r, "/services/collector/event", ev, auth("acked"));
    assert.deepEqual([a.status, a.body.code], [400, 10]);
    a = await post(r, "/services/collector/event", ev, {
      ...auth("acked"),
      "X-Splunk-Request-Channel": "not-a-guid",
    });
    assert.deepEqual([a.status, a.body.code], [400, 11]);
    const ch = { ...auth("acked"), "X-Splunk-Request-Channel": CHANNEL };
    assert.equal((await post(r, "/services/collector/event", ev, ch)).body.ackId, 0);
    assert.equal(
      (await post(r, `/services/collector/event?channel=${CHANNEL}`, ev, auth("acked"))).body.ackId,
      1,
    );
    const q = JSON.stringify({ acks: [0, 1, 7] });
    assert.deepEqual((await post(r, "/services/collector/ack", q, ch)).body, {
      acks: { "0": true, "1": true, "7": false },
    });
    assert.deepEqual((await post(r, "/services/collector/ack", q, ch)).body.acks, {
      "0": false,
      "1": false,
      "7": false,
    });
  });

  it("withholds acks, or gives them after a number of queries", async () => {
    const ch = { ...auth("acked"), "X-Splunk-Request-Channel": CHANNEL };
    r.acks = "withheld";
    const id = (await post(r, "/services/collector/event", ev, ch)).body.ackId as number;
    const q = JSON.stringify({ acks: [id] });
    for (let i = 0; i < 3; i++)
      assert.equal(((await post(r, "/services/collector/ack", q, ch)).body.acks as any)[id], false);
    r.acks = 2;
    assert.equal(((await post(r, "/services/collector/ack", q, ch)).body.acks as any)[id], true);
    r.releaseAcks();
  });

  it("answers 400 code 14 to an ack query with a token that has ack off", async () => {
    const a = await post(r, "/services/collector/ack", '{"acks":[0]}', {
      ...auth("good"),
      "X-Splunk-Request-Channel": CHANNEL,
    });
    assert.deepEqual([a.status, a.body.code], [400, 14]);
  });

  it("reports health on GET /services/collector/health", async () => {
    const res = await fetch(`${r.url}/services/collector/health`);
    assert.deepEqual([res.status, await res.json()], [200, { text: "HEC is healthy", code: 17 }]);
  });

  it("plays scripted faults: busy, 429 with Retry-After, dropped connections", async () => {
    r.script = [{ code: 9 }, { status: 429, retryAfter: "3" }, "drop", "drop-after-receive"];
    const before = r.events.length;
    let a = await post(r, "/services/collector/event", ev, auth("good"));
    assert.deepEqual([a.status, a.body], [503, { text: "Server is busy", code: 9 }]);
    a = await post(r, "/services/collector/event", ev, auth("good"));
    assert.deepEqual([a.status, a.headers.get("retry-after")], [429, "3"]);
    await assert.rejects(post(r, "/services/collector/event", ev, auth("good")));
    assert.equal(r.events.length, before, "nothing taken before the drop-after-receive");
    await assert.rejects(post(r, "/services/collector/event", ev, auth("good")));
    assert.equal(r.events.length, before + 2, "taken, but the answer was lost");
  });
});
