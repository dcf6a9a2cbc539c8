// The HEC target against the loopback HEC stand-in (test/helpers/hec-receiver.ts), over real HTTP
// and HTTPS; retries wait on a fake clock.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import {
  ConfigError,
  DeliveryError,
  SinkAuthError,
  SinkRejectedError,
  StoppedError,
  TlsError,
} from "../../../src/errors.js";
import { exitCodeFor } from "../../../src/exit-codes.js";
import type { ForwardItem } from "../../../src/forward/target.js";
import { createHecTarget, type HecTuning } from "../../../src/forward/hec/target.js";
import type { HecSettings } from "../../../src/forward/hec/settings.js";
import { createLogger } from "../../../src/logger.js";
import { systemClock } from "../../../src/time.js";
import { FakeClock, silentLogger, tempDir, waitFor } from "../../helpers/kit.js";
import {
  startHecReceiver,
  type HecReceiver,
  type HecReceiverOptions,
} from "../../helpers/hec-receiver.js";
import { makePki, skipWithoutOpenssl } from "../../helpers/pki.js";

const TOKEN = "11111111-2222-3333-4444-555555555555";
const HOST = "vco160-fra1.velocloud.net";

/** `n` items of ACME Corp, each event line about `pad` bytes longer than its fields. */
function items(n: number, pad = 0, from = 1): ForwardItem[] {
  return Array.from({ length: n }, (_, i) => {
    const id = from + i;
    const event = {
      id,
      eventTime: new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 123) + i * 1000).toISOString(),
      event: "EDGE_UP",
      category: "EDGE",
      severity: "NOTICE",
      message: `Edge b${id} is up${"x".repeat(pad)}`,
    };
    return {
      line: JSON.stringify(event),
      event,
      key: `${HOST}/${id}`,
      host: HOST,
      enterprise: { id: 1, name: "ACME Corp" },
      stream: "enterprise",
    };
  });
}

async function receiver(o: Partial<HecReceiverOptions> = {}): Promise<HecReceiver> {
  const r = await startHecReceiver({ tokens: { [TOKEN]: {} }, ...o });
  after(() => r.stop());
  return r;
}

function settingsFor(r: HecReceiver, s: Partial<HecSettings> = {}): HecSettings {
  return {
    url: r.url,
    token: TOKEN,
    index: undefined,
    sourcetype: undefined,
    ack: false,
    caFile: undefined,
    tlsInsecure: false,
    ...s,
  };
}

function targetFor(
  r: HecReceiver,
  s: Partial<HecSettings> = {},
  tuning: Partial<HecTuning> = {},
  clock = new FakeClock(),
  logger = silentLogger(),
) {
  const t = createHecTarget(settingsFor(r, s), { clock, logger, tuning });
  after(() => t.close());
  return t;
}

const eventPosts = (r: HecReceiver) =>
  r.requests.filter((q) => q.path === "/services/collector/event");
const ids = (r: HecReceiver) => r.events.map((e) => (e.hec.event as { id: number }).id);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe("HEC target: delivery", () => {
  it("delivers every item once, in order, in bodies of at most 1 MB, fields as documented", async () => {
    const r = await receiver({ maxContentLength: 1_000_000 });
    const t = targetFor(r, { index: "vco", sourcetype: "velocloud:event" });
    const batch = items(3000, 1000);
    await t.send(batch);
    assert.deepEqual(ids(r), range(1, 3000));
    const posts = eventPosts(r);
    assert.ok(posts.length >= 4, `${posts.length} requests for ~3.4 MB`);
    for (const p of posts) assert.ok(p.status === 200 && p.bytes <= 1_000_000, JSON.stringify(p));
    assert.deepEqual(r.events[0]!.hec, {
      time: 1714564800.123,
      host: HOST,
      source: "ACME Corp",
      sourcetype: "velocloud:event",
      index: "vco",
      fields: { vco_event_key: `${HOST}/1` },
      event: batch[0]!.event,
    });
    assert.equal(t.name, `hec ${r.url}`);
  });

  it("names partner and operator events by their stream, and leaves out unset index and sourcetype", async () => {
    const r = await receiver();
    const [item] = items(1);
    await targetFor(r).send([{ ...item!, enterprise: undefined, stream: "partner" }]);
    const hec = r.events[0]!.hec;
    assert.equal(hec.source, "partner");
    assert.ok(!("index" in hec) && !("sourcetype" in hec));
  });

  it(
    "speaks https to a collector whose certificate a custom CA signed, and refuses another CA",
    {
      skip: skipWithoutOpenssl,
    },
    async () => {
      const pki = makePki(tempDir());
      const r = await receiver({ tls: { key: pki.key, cert: pki.cert } });
      await targetFor(r, { caFile: pki.caFile }).send(items(10));
      assert.deepEqual(ids(r), range(1, 10));
      const err = await targetFor(r, { caFile: pki.otherCaFile })
        .send(items(1))
        .catch((e: unknown) => e);
      assert.ok(err instanceof TlsError, String(err));
      assert.match(err.message, /VCO_HEC_CA_FILE/);
      assert.equal(exitCodeFor(err), 78);
      assert.equal(r.events.length, 10, "nothing sent past a failed TLS check");
    },
  );
});

describe("HEC target: VCO_HEC_TLS_INSECURE", { skip: skipWithoutOpenssl }, () => {
  it("skips the certificate check only when asked, and warns each time a target is made", async () => {
    const pki = makePki(tempDir());
    const r = await receiver({ tls: { key: pki.key, cert: pki.cert } });
    const strict = await targetFor(r)
      .send(items(1))
      .catch((e: unknown) => e);
    assert.ok(strict instanceof TlsError, String(strict));
    const lines: string[] = [];
    const logger = createLogger(
      "warn",
      new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }),
    );
    await targetFor(r, { tlsInsecure: true }, {}, new FakeClock(), logger).send(items(3));
    assert.deepEqual(ids(r), range(1, 3));
    assert.equal(lines.filter((l) => l.includes('"event":"hec-tls-insecure"')).length, 1);
  });
});

describe("HEC target: indexer acknowledgement", () => {
  it("resolves only once the collector acknowledges indexing", async () => {
    const r = await receiver({ tokens: { [TOKEN]: { ack: true } } });
    r.acks = "withheld";
    // The real clock, with short polls: a fake one would run the ack timeout out in a tight loop.
    const real = createHecTarget(settingsFor(r, { ack: true }), {
      clock: systemClock,
      logger: silentLogger(),
      tuning: { ackPollMs: 20, ackTimeoutMs: 600_000 },
    });
    after(() => real.close());
    let settled = false;
    const sending = real.send(items(50)).finally(() => (settled = true));
    await waitFor("the events to arrive", () => r.events.length === 50);
    await waitFor(
      "a few ack queries",
      () => r.requests.filter((q) => q.path.endsWith("/ack")).length >= 3,
    );
    assert.equal(settled, false, "not confirmed while the acks are withheld");
    r.releaseAcks();
    await sending;
    assert.deepEqual(ids(r), range(1, 50));
    const channels = new Set(r.events.map((e) => e.channel));
    assert.equal(channels.size, 1, "one channel per target");
    assert.match([...channels][0]!, /^[0-9a-f-]{36}$/);
  });

  it("polls until acked, each batch sent once", async () => {
    const r = await receiver({ tokens: { [TOKEN]: { ack: true } } });
    r.acks = 3;
    const t = targetFor(r, { ack: true }, { maxBatchBytes: 10_000 });
    await t.send(items(200, 100));
    assert.deepEqual(ids(r), range(1, 200));
    assert.ok(eventPosts(r).length > 1);
  });

  it("sends a batch whose ack never comes once more, then gives up: each event at most twice", async () => {
    const r = await receiver({ tokens: { [TOKEN]: { ack: true } } });
    r.acks = "withheld";
    const clock = new FakeClock();
    const t = targetFor(
      r,
      { ack: true },
      { ackPollMs: 1_000, ackTimeoutMs: 10_000, ackResends: 1 },
      clock,
    );
    const err = await t.send(items(20)).catch((e: unknown) => e);
    assert.ok(err instanceof DeliveryError, String(err));
    assert.match(err.message, /never acknowledged/);
    assert.deepEqual(ids(r), [...range(1, 20), ...range(1, 20)]);
    assert.equal(exitCodeFor(err), 75);
  });

  it("says which setting is wrong when the token's ack does not match VCO_HEC_ACK", async () => {
    const r = await receiver({ tokens: { [TOKEN]: { ack: true } } });
    const off = await targetFor(r, { ack: false })
      .send(items(1))
      .catch((e: unknown) => e);
    assert.ok(off instanceof ConfigError && /set VCO_HEC_ACK=true/.test(off.message), String(off));
    const r2 = await receiver();
    const on = await targetFor(r2, { ack: true })
      .send(items(1))
      .catch((e: unknown) => e);
    assert.ok(on instanceof ConfigError && /VCO_HEC_ACK=false/.test(on.message), String(on));
  });
});

describe("HEC target: failures", () => {
  it("retries 503 server busy and 429 with backoff (Retry-After when given), then delivers once", async () => {
    const r = await receiver();
    r.script = [
      { code: 9 },
      { status: 429, retryAfter: "7" },
      { code: 9 },
      { status: 429, retryAfter: "3600" },
    ];
    const clock = new FakeClock();
    await targetFor(r, {}, {}, clock).send(items(5));
    assert.deepEqual(ids(r), range(1, 5));
    assert.equal(eventPosts(r).length, 5);
    assert.equal(clock.sleeps.length, 4);
    assert.equal(clock.sleeps[1], 7_000, "the 429's Retry-After");
    assert.equal(clock.sleeps[3], 30_000, "an hour's Retry-After cut short");
  });

  it("gives up with DeliveryError when the collector stays busy", async () => {
    const r = await receiver();
    r.script = Array.from({ length: 20 }, () => ({ code: 9 as const }));
    const err = await targetFor(r, {}, { busyRetries: 3 })
      .send(items(5))
      .catch((e: unknown) => e);
    assert.ok(err instanceof DeliveryError, String(err));
    assert.match(err.message, /Server is busy/);
    assert.equal(eventPosts(r).length, 4);
    assert.equal(r.events.length, 0);
  });

  for (const [what, token] of [
    ["an invalid token", "wrong-token"],
    ["a disabled token", TOKEN],
  ] as const) {
    it(`stops at ${what} with one clear error and one request`, async () => {
      const r = await receiver({ tokens: { [TOKEN]: { disabled: token === TOKEN } } });
      const err = await targetFor(r, { token })
        .send(items(500, 3000))
        .catch((e: unknown) => e);
      assert.ok(err instanceof SinkAuthError, String(err));
      assert.match(err.message, /refused the HEC token .*check VCO_HEC_TOKEN/);
      assert.equal(err.message.split("\n").length, 1);
      assert.equal(exitCodeFor(err), 77);
      assert.equal(r.requests.length, 1, "no retry, no further batch");
    });
  }

  it("names Splunk's answer when it refuses the data", async () => {
    const r = await receiver();
    r.script = [{ code: 6 }];
    const err = await targetFor(r)
      .send(items(3))
      .catch((e: unknown) => e);
    assert.ok(err instanceof SinkRejectedError, String(err));
    assert.match(err.message, /HTTP 400, code 6 Invalid data format/);
    assert.equal(exitCodeFor(err), 76);
    assert.equal(r.requests.length, 1);
  });

  it("names VCO_HEC_INDEX when the token may not write to that index", async () => {
    const r = await receiver({ tokens: { [TOKEN]: { indexes: ["main"] } } });
    const err = await targetFor(r, { index: "vco" })
      .send(items(1))
      .catch((e: unknown) => e);
    assert.ok(
      err instanceof ConfigError && /code 7 Incorrect index.*VCO_HEC_INDEX/.test(err.message),
      String(err),
    );
  });

  it("does not count a 200 that is not HEC's answer (a portal page) as delivered", async () => {
    const portal = http.createServer((_req, res) => res.end("<html>Welcome</html>"));
    await new Promise<void>((resolve) => portal.listen(0, "127.0.0.1", resolve));
    after(() => portal.close());
    const url = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
    const t = createHecTarget(
      { ...settingsFor({ url } as HecReceiver), url },
      { clock: new FakeClock(), logger: silentLogger() },
    );
    after(() => t.close());
    const err = await t.send(items(1)).catch((e: unknown) => e);
    assert.ok(
      err instanceof ConfigError && /not an HTTP Event Collector/.test(err.message),
      String(err),
    );
  });

  it("fails with DeliveryError, confirming nothing, when the connection keeps dropping", async () => {
    const r = await receiver();
    r.script = ["drop", "drop", "drop", "drop"];
    const err = await targetFor(r, {}, { networkRetries: 2 })
      .send(items(5))
      .catch((e: unknown) => e);
    assert.ok(err instanceof DeliveryError, String(err));
    assert.match(err.message, /connection failed/);
    assert.equal(eventPosts(r).length, 3);
    assert.equal(r.events.length, 0);
  });

  it("gives up with DeliveryError when the collector takes the request but never answers", async () => {
    const r = await receiver();
    r.script = ["hang", "hang"];
    const t = targetFor(r, {}, { requestTimeoutMs: 300, networkRetries: 1 });
    const err = await t.send(items(2)).catch((e: unknown) => e);
    assert.ok(err instanceof DeliveryError && /no answer within/.test(err.message), String(err));
    assert.equal(eventPosts(r).length, 2);
    assert.equal(r.events.length, 0);
  });

  it("sends again after an answer lost on a dropped connection: the only duplicates", async () => {
    const r = await receiver();
    r.script = ["drop-after-receive"];
    await targetFor(r).send(items(5));
    assert.deepEqual(ids(r), [...range(1, 5), ...range(1, 5)]);
  });

  it("fails with DeliveryError when nothing listens", async () => {
    const r = await receiver();
    await r.stop();
    const err = await targetFor(r, {}, { networkRetries: 1 })
      .send(items(1))
      .catch((e: unknown) => e);
    assert.ok(err instanceof DeliveryError && /ECONNREFUSED/.test(err.message), String(err));
  });

  it("stops at once when asked to", async () => {
    const r = await receiver();
    r.script = Array.from({ length: 10 }, () => ({ code: 9 as const }));
    const stop = new AbortController();
    stop.abort();
    const err = await targetFor(r)
      .send(items(1), stop.signal)
      .catch((e: unknown) => e);
    assert.ok(err instanceof StoppedError, String(err));
  });
});

describe("HEC target: the token is a secret", () => {
  it("never appears in logs at trace level nor in any thrown error", async () => {
    const canary = "CANARY-c0ffee00-dead-beef-0000-123456789abc";
    const lines: string[] = [];
    const logger = createLogger(
      "trace",
      new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }),
    );
    const r = await receiver({ tokens: { [canary]: { ack: true } } });
    const errors: unknown[] = [];
    const run = async (s: Partial<HecSettings>, tuning: Partial<HecTuning> = {}) => {
      const t = createHecTarget(settingsFor(r, { token: canary, ack: true, ...s }), {
        clock: new FakeClock(),
        logger,
        tuning,
      });
      await t.send(items(20)).catch((e: unknown) => errors.push(e));
      await t.close();
    };
    r.script = [{ code: 9 }, { status: 429 }, "drop"];
    await run({});
    r.script = ["drop", "drop", "drop"];
    await run({}, { networkRetries: 1 });
    await run({ token: `${canary}-wrong` });
    r.acks = "withheld";
    await run({}, { ackTimeoutMs: 3_000, ackResends: 0 });
    await run({ ack: false });
    assert.equal(errors.length, 4, errors.map(String).join("; "));
    assert.ok(
      lines.some((l) => l.includes('"event":"hec-retrying"')),
      "the failures were logged",
    );
    assert.ok(
      lines.some((l) => l.includes('"event":"hec-batch-sent"')),
      "trace/debug was on",
    );
    for (const l of lines) assert.ok(!l.includes(canary), `log line: ${l}`);
    for (const e of errors) {
      for (const text of [
        JSON.stringify(e),
        inspect(e, { depth: 20, showHidden: true }),
        String(e),
      ])
        assert.ok(!text.includes(canary), `error: ${text.slice(0, 500)}`);
    }
  });
});
