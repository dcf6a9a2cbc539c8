// Behind an egress proxy: the VCO's host name resolves only at the proxy, so a run that skips the
// proxy fails. TLS stays end to end through the CONNECT tunnel; proxy credentials are secrets; a
// proxy that refuses gets one line naming it, with the exit code its answer deserves.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Simulator } from "../../src/simulator/server.js";
import { ConnectProxy, type ProxyFault, type ProxyOptions } from "../helpers/connect-proxy.js";
import {
  allFiles,
  assertExactSet,
  assertOneLineError,
  eventsFile,
  fetch,
  HOUR,
  logLines,
  runCli,
  simWith,
  tempDir,
  TOKEN,
} from "../helpers/kit.js";
import { makePki, skipWithoutOpenssl, type Pki } from "../helpers/pki.js";

const NAME = "vco.proxied.test";
const PROXY_USER = "svc-siem";
// Characters that must be percent-encoded in a URL, and a value that is unmistakable in a leak.
const PROXY_PASSWORD = `p@ss:w/rd-canary-${Date.now().toString(36)}`;

let pki: Pki;
let sim!: Simulator;
let vco: string;

async function proxy(opts: ProxyOptions = {}): Promise<ConnectProxy> {
  const p = new ConnectProxy({
    hosts: { [NAME]: { host: "127.0.0.1", port: simPort() } },
    ...opts,
  });
  await p.start();
  after(() => p.stop());
  return p;
}
const simPort = () => Number(new URL(sim.baseUrl).port);

/** The VCO by the name only the proxy knows, trusted through the test CA; no proxy variables. */
function env(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    VCO_HOSTNAME: vco,
    VCO_TOKEN: TOKEN,
    VCO_CA_FILE: pki.caFile,
    VCO_DATA_DIR: dir,
    VCO_RETRY_BUDGET: "3s",
    ...extra,
  };
}

// Hooks inside the suite would end these when the hook ends, not when the file does.
const pkiDir = tempDir();
after(() => sim?.stop());

describe("behind an HTTP proxy", { skip: skipWithoutOpenssl }, () => {
  before(async () => {
    pki = makePki(pkiDir, { names: [NAME] });
    sim = simWith({
      options: { tls: { key: pki.key, cert: pki.cert } },
      events: { count: 3_000, oldest: 3 * HOUR },
    });
    await sim.start();
    vco = `https://${NAME}:${simPort()}`;
  });

  it("without a proxy the VCO's name does not resolve here (exit 78)", async () => {
    const r = await fetch(env(tempDir()));
    assert.equal(r.code, 78, r.stderr);
    assertOneLineError(r, /does not resolve/);
  });

  for (const variable of ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "VCO_PROXY"]) {
    it(`${variable}: every event through the tunnel, TLS checked end to end`, async () => {
      const p = await proxy();
      const dir = tempDir();
      const r = await fetch(env(dir, { [variable]: p.url() }));
      assert.equal(r.code, 0, r.stderr);
      assertExactSet([eventsFile(dir)], sim.enterprises.get(1)!.store.all());
      assert.ok(p.log.some((l) => l.method === "CONNECT" && l.target === `${NAME}:${simPort()}`));
    });
  }

  it("VCO_PROXY wins over HTTPS_PROXY; VCO_PROXY=none and NO_PROXY turn the proxy off", async () => {
    const p = await proxy();
    const dead = "http://127.0.0.1:9"; // discard port: nothing listens
    const wins = await fetch(env(tempDir(), { HTTPS_PROXY: dead, VCO_PROXY: p.url() }));
    assert.equal(wins.code, 0, wins.stderr);
    for (const off of [
      { HTTPS_PROXY: p.url(), VCO_PROXY: "none" },
      { HTTPS_PROXY: p.url(), NO_PROXY: ".proxied.test" },
      { HTTPS_PROXY: p.url(), no_proxy: `${NAME}:${simPort()}` },
    ]) {
      const before = p.log.length;
      const r = await fetch(env(tempDir(), off));
      assert.equal(r.code, 78, `${JSON.stringify(off)}: ${r.stderr}`);
      assert.equal(p.log.length, before, "the proxy was not asked");
    }
  });

  it("Basic auth from the URL, percent-decoded; the password appears nowhere", async () => {
    const p = await proxy({ auth: { username: PROXY_USER, password: PROXY_PASSWORD } });
    const dir = tempDir();
    const url = p.url({ username: PROXY_USER, password: PROXY_PASSWORD });
    assert.match(url, /%40/, "the test URL is percent-encoded");
    const r = await fetch(env(dir, { HTTPS_PROXY: url, LOG_LEVEL: "trace" }));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(p.log.every((l) => l.authorized));
    const status = await runCli(["status", "--json"], env(dir));
    const encoded = [PROXY_PASSWORD, encodeURIComponent(PROXY_PASSWORD)];
    for (const text of [r.stdout, r.stderr, status.stdout, ...allFiles(dir).map(read)]) {
      for (const secret of encoded) assert.ok(!text.includes(secret), "proxy password leaked");
    }
  });

  const refusals: Refusal[] = [
    {
      what: "407 without credentials",
      opts: { auth: { username: "u", password: "x" } },
      code: 77,
      msg: /407.*user name and password/,
    },
    {
      what: "407 for wrong credentials",
      opts: { auth: { username: PROXY_USER, password: "other" } },
      creds: true,
      code: 77,
      msg: /407.*refused the user name and password/,
    },
    {
      what: "403 from its policy",
      opts: { deny: [NAME] },
      code: 77,
      msg: /403.*does not allow this destination/,
    },
    { what: "503", fault: "refuse503", code: 75, msg: /gave up.*503/ },
    { what: "502", fault: "badGateway", code: 75, msg: /gave up.*502/ },
    {
      what: "a reset",
      fault: "reset",
      code: 75,
      msg: /gave up.*(closed the connection|ECONNRESET)/,
    },
  ];
  for (const c of refusals) {
    it(`a proxy that answers ${c.what}: one line naming it, exit ${c.code}, no password`, async () => {
      const p = await proxy("opts" in c ? c.opts : {});
      if ("fault" in c) p.fault = c.fault;
      const url =
        "creds" in c ? p.url({ username: PROXY_USER, password: PROXY_PASSWORD }) : p.url();
      const dir = tempDir();
      const r = await fetch(env(dir, { HTTPS_PROXY: url }));
      assert.equal(r.code, c.code, r.stderr);
      assertOneLineError(r, c.msg);
      assert.match(r.stderr, new RegExp(`proxy http://127\\.0\\.0\\.1:${new URL(p.url()).port}`));
      for (const text of [r.stdout, r.stderr]) assert.ok(!text.includes(PROXY_PASSWORD));
      if (c.code === 75) {
        assert.ok(logLines(r.stdout).some((l) => l.event === "retrying"));
      }
    });
  }

  it("an untrusted certificate through the tunnel still fails (78); VCO_TLS_INSECURE works", async () => {
    const p = await proxy();
    const untrusted = env(tempDir(), { HTTPS_PROXY: p.url(), VCO_CA_FILE: pki.otherCaFile });
    const r = await fetch(untrusted);
    assert.equal(r.code, 78, r.stderr);
    assertOneLineError(r, /TLS check of the VCO .*failed/);
    const insecure = await fetch({
      ...env(tempDir(), { HTTPS_PROXY: p.url(), VCO_TLS_INSECURE: "true" }),
      VCO_CA_FILE: "",
    });
    assert.equal(insecure.code, 0, insecure.stderr);
  });

  it("a proxy URL that is not http:// is a configuration error naming the variable", async () => {
    const r = await fetch(env(tempDir(), { HTTPS_PROXY: "socks5://127.0.0.1:1080" }));
    assert.equal(r.code, 78, r.stderr);
    assertOneLineError(r, /HTTPS_PROXY uses socks5:/);
  });
});

interface Refusal {
  what: string;
  opts?: ProxyOptions;
  /** Send the (wrong, for this proxy) user name and password. */
  creds?: boolean;
  fault?: ProxyFault;
  code: number;
  msg: RegExp;
}

const read = (f: string) => fs.readFileSync(f, "utf8");
