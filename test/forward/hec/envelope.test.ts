import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { batches } from "../../../src/forward/hec/batches.js";
import { envelope, eventSeconds } from "../../../src/forward/hec/envelope.js";

describe("HEC envelope", () => {
  it("wraps the line unchanged, with time in epoch seconds and the event key as a field", () => {
    const line = '{"id":7,"eventTime":"2024-05-01T12:00:00.123Z","message":"caf\\u00e9 \\"up\\""}';
    const text = envelope(
      {
        line,
        event: JSON.parse(line) as Record<string, unknown>,
        key: "vco.example.com/7",
        host: "vco.example.com",
        enterprise: { id: 1, name: "ACME Corp" },
        stream: "enterprise",
      },
      { index: undefined, sourcetype: "velocloud:event" },
    );
    assert.ok(text.endsWith(`"event":${line}}`), "the file's bytes, not a re-serialization");
    assert.deepEqual(JSON.parse(text), {
      time: 1714564800.123,
      host: "vco.example.com",
      source: "ACME Corp",
      sourcetype: "velocloud:event",
      fields: { vco_event_key: "vco.example.com/7" },
      event: JSON.parse(line),
    });
  });

  it("leaves time out when eventTime is missing or unreadable (Splunk then uses arrival time)", () => {
    assert.equal(eventSeconds(undefined), undefined);
    assert.equal(eventSeconds("yesterday"), undefined);
    assert.equal(eventSeconds("2024-05-01T12:00:00Z"), 1714564800);
  });
});

describe("HEC batches", () => {
  it("keeps order and stays within the byte limit, counting multi-byte characters as bytes", () => {
    const events = Array.from({ length: 100 }, (_, i) => `{"event":"${"é".repeat(i)}"}`);
    const out = [...batches(events, 500)];
    assert.ok(out.length > 1);
    for (const b of out) assert.ok(b.bytes <= 500 && Buffer.byteLength(b.body) === b.bytes);
    assert.deepEqual(
      out.flatMap((b) => b.body.split("\n").filter(Boolean)),
      events,
    );
    assert.equal(
      out.reduce((n, b) => n + b.count, 0),
      100,
    );
  });

  it("sends an event larger than the limit alone rather than dropping it", () => {
    const big = `{"event":"${"x".repeat(1000)}"}`;
    const out = [...batches(["{}", big, "{}"], 100)];
    assert.deepEqual(
      out.map((b) => b.count),
      [1, 1, 1],
    );
  });
});
