// Delivery to a real rsyslogd (test/helpers/rsyslog.ts): every event arrives once and parses the way
// the README says, over plain TCP, TLS and mutual TLS; a sink that is down never fails a fetch; a
// kill of rsyslog mid-delivery loses nothing and doubles at most one batch.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { BATCH_EVENTS } from "../../src/forward/forwarder.js";
import {
  fetch,
  HOUR,
  logLines,
  readLines,
  runCli,
  simFixture,
  spawnCli,
  tempDir,
  waitFor,
} from "../helpers/kit.js";
import { makePki, skipWithoutOpenssl } from "../helpers/pki.js";
import {
  freePort,
  makeClientCert,
  Rsyslog,
  sdParam,
  skipWithoutGtls,
  skipWithoutRsyslog,
  type Parsed,
} from "../helpers/rsyslog.js";

const SEVERITY: Record<string, string> = {
  EMERGENCY: "emerg",
  ALERT: "alert",
  CRITICAL: "crit",
  ERROR: "err",
  WARNING: "warning",
  NOTICE: "notice",
  INFO: "info",
  DEBUG: "debug",
};

/** Each line of `file` arrived exactly once, with every header and SD field as the README says. */
function assertParsedAsDocumented(got: Parsed[], file: string, host: string): void {
  const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
  const byKey = new Map(got.map((p) => [sdParam(p.structuredData, "key"), p]));
  assert.equal(got.length, lines.length, "one message per event, no more");
  assert.equal(byKey.size, lines.length, "no event twice");
  for (const line of lines) {
    const e = JSON.parse(line) as Record<string, unknown>;
    const p = byKey.get(`${host}/${String(e.id ?? e.logicalId)}`);
    assert.ok(p, `event ${String(e.id)} arrived`);
    assert.equal(p.msg, line, "MSG is the line exactly as in the file");
    assert.equal(p.msgid, e.event);
    assert.equal(Date.parse(p.timestamp), Date.parse(e.eventTime as string), "TIMESTAMP");
    assert.equal(p.hostname, host);
    assert.equal(p.appName, "vco-events");
    assert.equal(p.facility, "local0");
    assert.equal(p.severity, SEVERITY[e.severity as string]);
    assert.equal(sdParam(p.structuredData, "enterprise"), "ACME Corp");
    assert.equal(sdParam(p.structuredData, "enterpriseId"), "1");
    assert.equal(sdParam(p.structuredData, "stream"), "enterprise");
    assert.match(p.structuredData, /^\[vco@32473 /);
  }
}

describe("syslog to a real rsyslogd", { skip: skipWithoutRsyslog }, () => {
  it("fetch delivers over plain TCP: every event once, parsed as documented", async () => {
    const rs = new Rsyslog(tempDir());
    await rs.start();
    const f = await simFixture({
      events: { count: 300, oldest: 2 * HOUR },
      env: { VCO_SYSLOG: `tcp://127.0.0.1:${await rs.port}` },
    });
    const r = await fetch(f.env);
    assert.equal(r.code, 0, r.stderr);
    const done = logLines(r.stdout).find((l) => l.event === "forward-finished");
    assert.equal(done?.sent, 300);
    assertParsedAsDocumented(rs.parsed(), f.file, "127.0.0.1");
    // Nothing new: a second run sends nothing again.
    const again = await runCli(["forward"], f.env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(rs.count(), 300);
  });

  it("follows fetch's files through logrotate create and copytruncate: each event sent once", async () => {
    const rs = new Rsyslog(tempDir());
    await rs.start();
    const f = await simFixture({ events: { count: 200, oldest: HOUR } });
    const sink = { ...f.env, VCO_SYSLOG: `tcp://127.0.0.1:${await rs.port}` };
    const more = async (n: number) => {
      f.store.addSpread(n, f.sim.now() - 30_000, f.sim.now() - 1_000);
      assert.equal((await fetch(f.env)).code, 0, "fetch without the sink");
    };
    assert.equal((await fetch(sink)).code, 0);
    assert.equal(rs.count(), 200);
    // create: more lines in the old file after the sink's cursor, then a rename and a new file.
    await more(100);
    fs.renameSync(f.file, `${f.file}.1`);
    await more(50);
    assert.equal((await runCli(["forward"], sink)).code, 0);
    assert.equal(rs.count(), 350);
    // copytruncate: more lines, a copy, the file emptied, then refilled.
    await more(30);
    fs.renameSync(`${f.file}.1`, `${f.file}.2`);
    fs.copyFileSync(f.file, `${f.file}.1`);
    fs.truncateSync(f.file, 0);
    await more(20);
    assert.equal((await runCli(["forward"], sink)).code, 0);
    const all = [f.file, `${f.file}.1`, `${f.file}.2`].flatMap((p) => readLines(p));
    const keys = rs.parsed().map((p) => sdParam(p.structuredData, "key"));
    assert.equal(keys.length, 400, "no event twice");
    assert.deepEqual(new Set(keys), new Set(all.map((e) => `127.0.0.1/${String(e.id)}`)));
  });

  it("a sink that is down: fetch still exits 0 with delivery-deferred; status shows the lag; forward drains it", async () => {
    const port = await freePort();
    const f = await simFixture({
      events: { count: 120, oldest: 2 * HOUR },
      env: { VCO_SYSLOG: `tcp://127.0.0.1:${port}` },
    });
    const r = await fetch(f.env);
    assert.equal(r.code, 0, r.stderr);
    const deferred = logLines(r.stdout).find((l) => l.event === "delivery-deferred");
    assert.match(String(deferred?.error), /ECONNREFUSED/);
    assert.equal(readLines(f.file).length, 120, "fetch wrote everything");

    const status = await runCli(["status", "--json"], f.env);
    const sinks = (JSON.parse(status.stdout) as { sinks: Array<Record<string, unknown>> }).sinks;
    assert.equal(sinks[0]?.pending, 120);
    assert.ok((sinks[0]?.oldestPendingAgeSeconds as number) > HOUR / 1000);
    const health = await runCli(["status", "--max-age", "30m"], f.env);
    assert.equal(health.code, 75, "unhealthy: the sink is behind by more than max-age");
    assert.match(health.stderr, /sink syslog tcp:\/\/127\.0\.0\.1:\d+ is behind: 120 event/);

    const rs = new Rsyslog(tempDir());
    Object.assign(rs, { port: Promise.resolve(port) });
    await rs.start();
    const fwd = await runCli(["forward"], f.env);
    assert.equal(fwd.code, 0, fwd.stderr);
    assertParsedAsDocumented(rs.parsed(), f.file, "127.0.0.1");
    const healthy = await runCli(["status", "--max-age", "30m", "--json"], f.env);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.equal(
      (JSON.parse(healthy.stdout) as { sinks: Array<{ pending: number }> }).sinks[0]?.pending,
      0,
    );
  });

  it("one delivery at a time: a second forward exits 75, a fetch meanwhile writes and skips delivery", async () => {
    const rs = new Rsyslog(tempDir());
    await rs.start();
    const f = await simFixture({ events: { count: 50, oldest: HOUR } });
    assert.equal((await fetch(f.env)).code, 0);
    const sink = { ...f.env, VCO_SYSLOG: `tcp://127.0.0.1:${await rs.port}` };
    rs.pause(); // the first forward now waits for rsyslog to read its batch
    const first = spawnCli(["forward"], sink);
    await waitFor("the first forward to hold the lock", () =>
      fs.existsSync(path.join(f.dir, ".state", "forward", "lock")),
    );
    const second = await runCli(["forward"], sink);
    assert.equal(second.code, 75);
    assert.match(second.stderr, /another vco-events run/);
    f.store.addSpread(10, f.sim.now() - 10_000, f.sim.now() - 1_000);
    const during = await fetch(sink);
    assert.equal(during.code, 0, during.stderr);
    assert.ok(logLines(during.stdout).some((l) => l.event === "delivery-skipped"));
    assert.equal(readLines(f.file).length, 60, "fetch wrote while a delivery was running");
    await rs.kill();
    await first.done;
    await rs.start();
    assert.equal((await runCli(["forward"], sink)).code, 0);
    const keys = new Set(rs.parsed().map((p) => sdParam(p.structuredData, "key")));
    assert.equal(keys.size, 60);
  });

  it("forward alone exits 75 while the sink is down, and names it", async () => {
    const f = await simFixture({ events: { count: 10, oldest: HOUR } });
    assert.equal((await fetch(f.env)).code, 0);
    const r = await runCli(["forward"], {
      ...f.env,
      VCO_SYSLOG: `tcp://127.0.0.1:${await freePort()}`,
    });
    assert.equal(r.code, 75);
    assert.match(
      r.stderr,
      /syslog receiver tcp:\/\/127\.0\.0\.1:\d+ cannot be reached \(ECONNREFUSED\)/,
    );
  });

  it(
    "rsyslog killed mid-delivery of 100,000 events: nothing lost, duplicates at most one batch",
    { timeout: 600_000 },
    async (t) => {
      const rs = new Rsyslog(tempDir());
      await rs.start();
      const f = await simFixture({ events: { count: 100_000, oldest: 20 * HOUR } });
      assert.equal((await fetch(f.env)).code, 0);
      const env = { ...f.env, VCO_SYSLOG: `tcp://127.0.0.1:${await rs.port}` };
      const fwd = spawnCli(["forward"], env);
      await waitFor("rsyslog to have 20,000 events", () => rs.count() >= 20_000, 300_000);
      // Stopped first, so bytes forward has written wait unread in rsyslog's socket buffers when
      // the kill lands: a sender that counted written bytes as delivered would lose them.
      rs.pause();
      await new Promise((r) => setTimeout(r, 2_000));
      await rs.kill();
      const first = await fwd.done;
      const got = rs.count();
      assert.ok(got < 100_000, `the kill landed mid-delivery (${got} received)`);
      assert.equal(first.code, 75, first.stderr);
      await rs.start();
      const second = await runCli(["forward"], env);
      assert.equal(second.code, 0, second.stderr);

      const keys = rs.parsed().map((p) => sdParam(p.structuredData, "key"));
      const unique = new Set(keys);
      const expected = readLines(f.file).map((e) => `127.0.0.1/${String(e.id)}`);
      const missing = expected.filter((k) => !unique.has(k));
      assert.equal(missing.length, 0, `${missing.length} lost, e.g. ${missing[0]}`);
      assert.equal(unique.size, expected.length);
      assert.equal(expected.length, 100_000);
      const duplicates = keys.length - unique.size;
      t.diagnostic(`${duplicates} duplicate(s) after the kill (bound: one batch, ${BATCH_EVENTS})`);
      assert.ok(duplicates <= BATCH_EVENTS, `${duplicates} duplicates > one batch`);
    },
  );
});

describe(
  "syslog over TLS to a real rsyslogd",
  { skip: skipWithoutGtls || skipWithoutOpenssl },
  () => {
    it("verifies the receiver with VCO_SYSLOG_CA_FILE and delivers (RFC 5425)", async () => {
      const pkiDir = tempDir();
      const pki = makePki(pkiDir);
      const rs = new Rsyslog(tempDir(), {
        tls: { caFile: pki.caFile, certFile: pki.certFile, keyFile: pki.keyFile },
      });
      await rs.start();
      const f = await simFixture({ events: { count: 200, oldest: HOUR } });
      assert.equal((await fetch(f.env)).code, 0);
      const url = `tls://localhost:${await rs.port}`;

      const untrusted = await runCli(["forward"], { ...f.env, VCO_SYSLOG: url });
      assert.equal(untrusted.code, 78, "an unverified receiver is a configuration error");
      assert.match(untrusted.stderr, /failed TLS verification .*VCO_SYSLOG_CA_FILE/);
      assert.equal(rs.count(), 0, "nothing sent to an unverified receiver");

      const wrongCa = await runCli(["forward"], {
        ...f.env,
        VCO_SYSLOG: url,
        VCO_SYSLOG_CA_FILE: pki.otherCaFile,
      });
      assert.equal(wrongCa.code, 78);

      const ok = await runCli(["forward"], {
        ...f.env,
        VCO_SYSLOG: url,
        VCO_SYSLOG_CA_FILE: pki.caFile,
      });
      assert.equal(ok.code, 0, ok.stderr);
      assertParsedAsDocumented(rs.parsed(), f.file, "127.0.0.1");
    });

    it("mutual TLS: VCO_SYSLOG_CERT_FILE and _KEY_FILE, refused without them", async () => {
      const pkiDir = tempDir();
      const pki = makePki(pkiDir);
      const client = makeClientCert(pkiDir);
      const rs = new Rsyslog(tempDir(), {
        tls: { caFile: pki.caFile, certFile: pki.certFile, keyFile: pki.keyFile, clientCa: true },
      });
      await rs.start();
      const f = await simFixture({ events: { count: 50, oldest: HOUR } });
      assert.equal((await fetch(f.env)).code, 0);
      const env = {
        ...f.env,
        VCO_SYSLOG: `tls://localhost:${await rs.port}`,
        VCO_SYSLOG_CA_FILE: pki.caFile,
      };

      const anonymous = await runCli(["forward"], env);
      assert.equal(anonymous.code, 78, "no client certificate, no delivery");
      assert.match(anonymous.stderr, /refused our client certificate; set VCO_SYSLOG_CERT_FILE/);
      assert.equal(rs.count(), 0);

      const ok = await runCli(["forward"], {
        ...env,
        VCO_SYSLOG_CERT_FILE: client.certFile,
        VCO_SYSLOG_KEY_FILE: client.keyFile,
      });
      assert.equal(ok.code, 0, ok.stderr);
      assertParsedAsDocumented(rs.parsed(), f.file, "127.0.0.1");
    });
  },
);

describe("VCO_SYSLOG_FORMAT=cef to a real rsyslogd", { skip: skipWithoutRsyslog }, () => {
  it("sends CEF with the documented header and extension", async () => {
    const rs = new Rsyslog(tempDir());
    await rs.start();
    const f = await simFixture({
      events: { count: 40, oldest: HOUR },
      env: { VCO_SYSLOG: `tcp://127.0.0.1:${await rs.port}`, VCO_SYSLOG_FORMAT: "cef" },
    });
    assert.equal((await fetch(f.env)).code, 0);
    const lines = readLines(f.file);
    const got = rs.parsed();
    assert.equal(got.length, lines.length);
    const byId = new Map(got.map((p) => [/externalId=(\S+)/.exec(p.msg)?.[1], p]));
    for (const e of lines) {
      const p = byId.get(`127.0.0.1/${String(e.id)}`);
      assert.ok(p, `event ${String(e.id)}`);
      const header = p.msg.split("|");
      assert.deepEqual(header.slice(0, 3), ["CEF:0", "VMware", "VeloCloud Orchestrator"]);
      assert.equal(header[4], e.event);
      assert.equal(header[5], e.message);
      assert.match(p.msg, new RegExp(` ?rt=${Date.parse(e.eventTime as string)} `));
      assert.match(p.msg, / dvchost=127\.0\.0\.1 /);
      assert.match(p.msg, /cs1Label=enterprise cs1=ACME Corp cn1Label=enterpriseId cn1=1/);
      if (e.edgeName) assert.ok(p.msg.includes(`cs2=${String(e.edgeName)}`), p.msg);
    }
  });
});

describe(
  "a data dir with other stream folders and orchestrator subtrees",
  { skip: skipWithoutRsyslog },
  () => {
    it("forward finds every events.json and keys each by its own orchestrator", async () => {
      const rs = new Rsyslog(tempDir());
      await rs.start();
      const f = await simFixture({ events: { count: 30, oldest: HOUR } });
      assert.equal((await fetch(f.env)).code, 0);
      // A second orchestrator's subtree, and an operator stream folder, in the same format.
      const sub = path.join(f.dir, "vco2");
      fs.mkdirSync(path.join(sub, ".state"), { recursive: true });
      fs.writeFileSync(
        path.join(sub, ".state", "orchestrator.json"),
        JSON.stringify({
          version: 1,
          vco: "https://vco2.example.net",
          workedAt: null,
          clock: null,
        }),
      );
      fs.mkdirSync(path.join(sub, "_operator"));
      const op = {
        id: 9,
        eventTime: "2026-11-30T10:00:00.000Z",
        event: "OP_EVENT",
        severity: "NOTICE",
      };
      fs.writeFileSync(path.join(sub, "_operator", "events.json"), `${JSON.stringify(op)}\n`);
      const r = await runCli(["forward"], {
        ...f.env,
        VCO_SYSLOG: `tcp://127.0.0.1:${await rs.port}`,
      });
      assert.equal(r.code, 0, r.stderr);
      const got = rs.parsed();
      assert.equal(got.length, 31);
      const opMsg = got.find((p) => p.msgid === "OP_EVENT");
      assert.equal(opMsg?.hostname, "vco2.example.net");
      assert.equal(sdParam(opMsg!.structuredData, "key"), "vco2.example.net/9");
      assert.equal(sdParam(opMsg!.structuredData, "stream"), "operator");
      assert.equal(sdParam(opMsg!.structuredData, "enterprise"), undefined);
    });
  },
);
