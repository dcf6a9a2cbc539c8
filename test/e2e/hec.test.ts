// The HEC sink end to end: the built CLI fetches from the simulator and delivers to the HEC stand-in
// (test/helpers/hec-receiver.ts, written from Splunk's documentation: no real Splunk runs here).
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { hecReceiverFor, type HecReceiver } from "../helpers/hec-receiver.js";
import { fetch, HOUR, logLines, runCli, simFixture } from "../helpers/kit.js";

const TOKEN = "aaaaaaaa-1111-2222-3333-canary000001";

/** Every line of `file` arrived exactly once as an HEC event, with the documented envelope. */
function assertDelivered(r: HecReceiver, file: string): void {
  const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
  assert.equal(r.events.length, lines.length, "one HEC event per line, no more");
  const byKey = new Map(
    r.events.map((e) => [(e.hec.fields as { vco_event_key: string }).vco_event_key, e.hec]),
  );
  for (const line of lines) {
    const e = JSON.parse(line) as Record<string, unknown>;
    const hec = byKey.get(`127.0.0.1/${String(e.id ?? e.logicalId)}`);
    assert.ok(hec, `event ${String(e.id)} arrived`);
    assert.deepEqual(hec.event, e, "the raw event object");
    assert.equal(hec.time, Date.parse(e.eventTime as string) / 1000);
    assert.equal(hec.host, "127.0.0.1");
    assert.equal(hec.source, "ACME Corp");
  }
}

describe("Splunk HEC through the CLI", () => {
  it("fetch delivers every event once, a second fetch sends nothing again", async () => {
    const r = await hecReceiverFor({ [TOKEN]: { ack: true } });
    const f = await simFixture({
      events: { count: 250, oldest: 2 * HOUR },
      env: { VCO_HEC_URL: r.url, VCO_HEC_TOKEN: TOKEN, VCO_HEC_ACK: "true", LOG_LEVEL: "trace" },
    });
    const first = await fetch(f.env);
    assert.equal(first.code, 0, first.stderr);
    assertDelivered(r, f.file);
    const again = await fetch(f.env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(r.events.length, 250, "nothing sent twice");
    for (const out of [first.stdout, first.stderr, again.stdout, again.stderr]) {
      assert.ok(!out.includes(TOKEN), "the HEC token is never logged, even at trace");
    }
  });

  it("a refused token: fetch still writes and exits 0, forward exits 77 with one line; fixed, the backlog goes", async () => {
    const r = await hecReceiverFor({ [TOKEN]: { disabled: true } });
    const f = await simFixture({
      events: { count: 40, oldest: HOUR },
      env: { VCO_HEC_URL: r.url, VCO_HEC_TOKEN: TOKEN },
    });
    const run = await fetch(f.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(fs.readFileSync(f.file, "utf8").split("\n").filter(Boolean).length, 40);
    assert.ok(
      logLines(run.stdout).some((l) => l.event === "delivery-deferred"),
      run.stdout,
    );
    assert.equal(r.events.length, 0);

    const fwd = await runCli(["forward"], f.env);
    assert.equal(fwd.code, 77, fwd.stderr);
    assert.equal(fwd.stderr.trim().split("\n").length, 1, fwd.stderr);
    assert.match(fwd.stderr, /token/i);
    assert.equal(
      r.requests.filter((q) => q.path.startsWith("/services/collector/event")).length,
      2,
      "one request per try (the fetch's and the forward's), no retry storm",
    );

    const good = await hecReceiverFor({ [TOKEN]: {} });
    const drained = await runCli(["forward"], { ...f.env, VCO_HEC_URL: good.url });
    assert.equal(drained.code, 0, drained.stderr);
    assertDelivered(good, f.file);
  });
});
