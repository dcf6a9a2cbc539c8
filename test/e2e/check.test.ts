// `vco-events check` as a new user runs it: the built CLI against the simulator, a plain 404 server,
// an https simulator with throwaway certificates, and a CONNECT proxy. Every run is also searched
// for the secrets it was given.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { STEPS } from "../../src/check/report.js";
import type { Simulator, SimulatorOptions } from "../../src/simulator/server.js";
import { acquireLock } from "../../src/store/lock.js";
import { ensureStateDir, saveState } from "../../src/store/state.js";
import { ConnectProxy } from "../helpers/connect-proxy.js";
import { runCli, simWith, tempDir, type CliResult } from "../helpers/kit.js";
import { makePki, skipWithoutOpenssl as skip, type Pki } from "../helpers/pki.js";

const canary = (what: string) => `canary-${what}-${randomBytes(12).toString("hex")}`;
const TOKEN = canary("token");
const WRONG_TOKEN = canary("wrong-token");
const PASSWORD = canary("password");
const PROXY_PASSWORD = canary("proxy:pass@word");
const SECRETS = [TOKEN, WRONG_TOKEN, PASSWORD, PROXY_PASSWORD].flatMap((s) => [
  s,
  encodeURIComponent(s),
  Buffer.from(s).toString("base64"),
]);

interface Line {
  mark: string;
  text: string;
}
interface Checked {
  r: CliResult;
  lines: Map<string, Line>;
  order: string[];
}

const LINE = new RegExp(`^(ok|warn|FAIL|skip) +(${STEPS.join("|")}) {2,}(.*)$`);

/** Runs `check`, parses its step lines, and fails on any secret in any output. */
async function check(env: Record<string, string>, args: string[] = []): Promise<Checked> {
  const r = await runCli(["check", ...args], { VCO_DATA_DIR: tempDir(), ...env });
  for (const s of SECRETS) {
    assert.ok(!(r.stdout + r.stderr).includes(s), `a secret in the output:\n${r.stdout}`);
  }
  assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /, "no stack trace");
  const lines = new Map<string, Line>();
  const order: string[] = [];
  for (const l of r.stdout.split("\n")) {
    const m = LINE.exec(l);
    if (!m) continue;
    order.push(m[2]!);
    lines.set(m[2]!, { mark: m[1]!, text: m[3]! });
  }
  return { r, lines, order };
}

/** The line of `step`, asserted to carry `mark` and to match `pattern`. */
function expectLine(c: Checked, step: string, mark: string, pattern?: RegExp): string {
  const line = c.lines.get(step);
  assert.ok(line, `no ${step} line in:\n${c.r.stdout}`);
  assert.equal(line.mark, mark, `${step}: ${line.text}`);
  if (pattern) assert.match(line.text, pattern);
  return line.text;
}

/**
 * A started customer simulator. Stopped by the caller: node:test runs an after() registered in a
 * before() hook as soon as that hook ends.
 */
async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
  const s = simWith({
    options,
    credentials: { token: TOKEN, username: "siem@acme.example", password: PASSWORD },
  });
  await s.start();
  return s;
}

const envFor = (s: Simulator, extra: Record<string, string> = {}) => ({
  VCO_HOSTNAME: s.baseUrl,
  VCO_TOKEN: TOKEN,
  ...extra,
});

describe("check against the simulator", () => {
  let healthy: Simulator;
  before(async () => {
    healthy = await sim();
  });
  after(() => healthy.stop());

  it("passes every step of a healthy setup, one line each in order; --json says the same", async () => {
    const c = await check(envFor(healthy));
    assert.equal(c.r.code, 0, c.r.stdout + c.r.stderr);
    assert.deepEqual(c.order, [...STEPS]);
    for (const step of STEPS) expectLine(c, step, "ok");
    expectLine(c, "credential", "ok", /^token accepted; a customer principal$/);
    expectLine(c, "enterprises", "ok", /1 visible: ACME Corp \(1\)/);
    expectLine(c, "clock", "ok", /agrees with ours/);

    const j = await check(envFor(healthy), ["--json"]);
    assert.equal(j.r.code, 0, j.r.stderr);
    const doc = JSON.parse(j.r.stdout) as { ok: boolean; steps: Array<Record<string, string>> };
    assert.equal(doc.ok, true);
    assert.deepEqual(
      doc.steps.map((s) => [s.step, s.status]),
      STEPS.map((s) => [s, "pass"]),
    );
  });

  it("no credential: config FAILs (78) and every later step is skipped", async () => {
    const c = await check({ VCO_HOSTNAME: healthy.baseUrl });
    assert.equal(c.r.code, 78, c.r.stderr);
    expectLine(c, "config", "FAIL", /no credentials: set VCO_TOKEN/);
    for (const step of STEPS.slice(1)) expectLine(c, step, "skip", /^skipped: /);
    assert.match(c.r.stderr, /^vco-events check: check found 1 problem \(see above\)\n$/);
  });

  it("a host that does not resolve FAILs the network step (78) within seconds; the data dir is still checked", async () => {
    const started = Date.now();
    const c = await check({ VCO_HOSTNAME: "https://no-such-host.invalid", VCO_TOKEN: TOKEN });
    assert.ok(Date.now() - started < 5_000, "answered within 5 s");
    assert.equal(c.r.code, 78, c.r.stderr);
    expectLine(c, "network", "FAIL", /does not resolve.*fix: check VCO_HOSTNAME; behind a proxy/);
    expectLine(c, "tls", "skip");
    expectLine(c, "data dir", "ok", /does not exist yet|writable/);
  });

  it("a server that answers 404 is not a VeloCloud Orchestrator (78)", async () => {
    const server = http.createServer((_req, res) => res.writeHead(404).end("Not Found"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    after(() => server.close());
    const { port } = server.address() as AddressInfo;
    const c = await check({ VCO_HOSTNAME: `http://127.0.0.1:${port}`, VCO_TOKEN: TOKEN });
    assert.equal(c.r.code, 78, c.r.stderr);
    expectLine(c, "credential", "FAIL", /not a VeloCloud Orchestrator/);
    expectLine(c, "enterprises", "skip");
  });

  it("a wrong token FAILs the credential step (77)", async () => {
    const c = await check(envFor(healthy, { VCO_TOKEN: WRONG_TOKEN }));
    assert.equal(c.r.code, 77, c.r.stderr);
    expectLine(c, "credential", "FAIL", /rejected the API token.*fix: .*VCO_TOKEN/);
  });

  it("a VCO whose clock is 40 minutes behind is a warning, not a failure (0)", async () => {
    const late = await sim({ clockOffsetMs: -40 * 60_000 });
    after(() => late.stop());
    const c = await check(envFor(late));
    assert.equal(c.r.code, 0, c.r.stderr);
    expectLine(c, "clock", "warn", /clock is 40m behind ours.*nothing is lost.*fix: .*NTP/);
  });

  it("VCO_ENTERPRISE_IDS naming an enterprise the account cannot see FAILs (78), listing the visible ones", async () => {
    const c = await check(envFor(healthy, { VCO_ENTERPRISE_IDS: "1,99" }));
    assert.equal(c.r.code, 78, c.r.stderr);
    expectLine(c, "enterprises", "FAIL", /names 99, which .* cannot see; it sees ACME Corp \(1\)/);
    expectLine(c, "events", "ok", /readable for ACME Corp \(1\)/);
  });

  it("data dir: another VCO's cursor FAILs (78); a lock held by a live run is a warning", async () => {
    const dir = tempDir();
    const stateDir = await ensureStateDir(dir);
    const lock = acquireLock(stateDir);
    after(() => lock.release());
    const held = await check(envFor(healthy, { VCO_DATA_DIR: dir }));
    assert.equal(held.r.code, 0, held.r.stderr);
    expectLine(held, "data dir", "warn", new RegExp(`lock held by pid ${process.pid} `));

    await saveState(dir, {
      version: 1,
      vco: "https://other-vco.example.com",
      enterpriseId: 1,
      enterpriseName: "ACME Corp",
      folder: "ACME_Corp",
      cursor: Date.now() - 60_000,
      seen: [],
      file: null,
      lastRun: null,
      lastSuccessAt: null,
      lastError: null,
    });
    const other = await check(envFor(healthy, { VCO_DATA_DIR: dir }));
    assert.equal(other.r.code, 78, other.r.stderr);
    expectLine(
      other,
      "data dir",
      "FAIL",
      /belongs to https:\/\/other-vco\.example\.com.*fix: use another VCO_DATA_DIR/,
    );
  });
});

describe("check over TLS", { skip }, () => {
  const pkiDir = tempDir("vco-events-pki-");
  let pki: Pki;
  let secure: Simulator;
  before(async () => {
    pki = makePki(pkiDir, { days: 400 });
    secure = await sim({ tls: { key: pki.key, cert: pki.cert } });
  });
  after(() => secure.stop());

  it("a private CA nobody configured FAILs the tls step (78) before any credential is sent", async () => {
    const c = await check(envFor(secure));
    assert.equal(c.r.code, 78, c.r.stderr);
    expectLine(c, "tls", "FAIL", /not signed by a trusted CA.*fix: set VCO_CA_FILE/);
    expectLine(c, "credential", "skip");
    assert.equal(secure.log.length, 0, "no API request was made");
  });

  it("with VCO_CA_FILE every step passes, and the tls line names the issuer and the expiry", async () => {
    const c = await check(envFor(secure, { VCO_CA_FILE: pki.caFile }));
    assert.equal(c.r.code, 0, c.r.stderr);
    for (const step of STEPS) expectLine(c, step, "ok");
    expectLine(c, "tls", "ok", /issued by vco-events test ca, valid until \d{4}-\d\d-\d\d/);
  });

  it("a certificate that expires within 30 days is a warning (0) with its date", async () => {
    const soon = makePki(tempDir("vco-events-pki-"), { days: 10 });
    const s = await sim({ tls: { key: soon.key, cert: soon.cert } });
    after(() => s.stop());
    const c = await check(envFor(s, { VCO_CA_FILE: soon.caFile }));
    assert.equal(c.r.code, 0, c.r.stderr);
    expectLine(c, "tls", "warn", /expires in (9|10) days.*fix: .*renew it before \d{4}-/);
  });
});

describe("check through a CONNECT proxy", { skip }, () => {
  const NAME = "vco.proxied.test";
  const pkiDir = tempDir("vco-events-pki-");
  let pki: Pki;
  let vco: Simulator;
  let port = 0;
  before(async () => {
    pki = makePki(pkiDir, { names: [NAME], days: 400 });
    vco = await sim({ tls: { key: pki.key, cert: pki.cert } });
    port = Number(new URL(vco.baseUrl).port);
  });
  after(() => vco.stop());
  const proxyWith = async (opts: ConstructorParameters<typeof ConnectProxy>[0] = {}) => {
    const proxy = new ConnectProxy({ hosts: { [NAME]: { host: "127.0.0.1", port } }, ...opts });
    await proxy.start();
    after(() => proxy.stop());
    return proxy;
  };
  const env = (proxyUrl: string) => ({
    VCO_HOSTNAME: `https://${NAME}:${port}`,
    VCO_TOKEN: TOKEN,
    VCO_CA_FILE: pki.caFile,
    VCO_PROXY: proxyUrl,
  });

  it("reaches a host only the proxy can resolve, and says it used the proxy", async () => {
    const proxy = await proxyWith();
    const c = await check(env(proxy.url()));
    assert.equal(c.r.code, 0, c.r.stdout + c.r.stderr);
    for (const step of STEPS) expectLine(c, step, "ok");
    expectLine(c, "config", "ok", new RegExp(`proxy ${proxy.url()} \\(from VCO_PROXY\\)`));
    expectLine(c, "network", "ok", /through proxy .* opened a tunnel to vco\.proxied\.test:/);
    assert.ok(proxy.log.some((e) => e.method === "CONNECT" && e.status === 200));
  });

  it("a proxy that wants credentials FAILs the network step (77) naming it; with them it passes and never shows the password", async () => {
    const auth = { username: "svc-proxy", password: PROXY_PASSWORD };
    const proxy = await proxyWith({ auth });
    const refused = await check(env(proxy.url()));
    assert.equal(refused.r.code, 77, refused.r.stderr);
    const line = expectLine(refused, "network", "FAIL", /answered 407/);
    assert.ok(line.includes(proxy.url()), line);
    assert.match(line, /fix: .*user name and password/);

    const ok = await check(env(proxy.url(auth)));
    assert.equal(ok.r.code, 0, ok.r.stdout + ok.r.stderr);
    expectLine(ok, "config", "ok", new RegExp(`proxy ${proxy.url()} \\(from VCO_PROXY\\)`));
    assert.ok(!ok.r.stdout.includes("svc-proxy"), "not even the proxy user name is shown");
  });
});
