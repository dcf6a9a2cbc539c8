// TLS and secrets: the orchestrator's certificate is checked by default; NODE_EXTRA_CA_CERTS and
// VCO_CA_FILE add a private CA; VCO_TLS_INSECURE=true works but warns on every run. The token, the
// password and the session cookies never appear in any output or file, at trace level, on success
// and on every error path.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Simulator } from "../../src/simulator/server.js";
import {
  allFiles,
  assertExactSet,
  assertOneLineError,
  EVENTS,
  eventsFile,
  fetch,
  HOUR,
  logLines,
  runCli,
  simWith,
  tempDir,
  type CliResult,
} from "../helpers/kit.js";
import { makePki, skipWithoutOpenssl as skip, type Pki } from "../helpers/pki.js";

// Distinctive values, so a leak anywhere is unmistakable.
const canary = (what: string) => `canary-${what}-${randomBytes(12).toString("hex")}`;
const TOKEN = canary("token");
const WRONG_TOKEN = canary("wrong-token");
const PASSWORD = canary("password");
const WRONG_PASSWORD = canary("wrong-password");
const USER = "siem@acme.example";

async function httpsSim(pki: Pki, events = 5000): Promise<Simulator> {
  const sim = simWith({
    options: { tls: { key: pki.key, cert: pki.cert } },
    events: { count: events, oldest: HOUR },
    credentials: { token: TOKEN, username: USER, password: PASSWORD },
  });
  await sim.start();
  return sim;
}

describe("TLS", { skip }, () => {
  let pki: Pki;
  let sim: Simulator;
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), "vco-events-pki-"));
  before(async () => {
    pki = makePki(pkiDir);
    sim = await httpsSim(pki);
  });
  after(async () => {
    await sim?.stop();
    fs.rmSync(pkiDir, { recursive: true, force: true });
  });
  const env = (dir: string, extra: Record<string, string> = {}) => ({
    VCO_HOSTNAME: sim.baseUrl,
    VCO_TOKEN: TOKEN,
    VCO_DATA_DIR: dir,
    ...extra,
  });

  it("is verified by default: a private CA nobody configured fails clearly (78), before any credential is sent", async () => {
    assert.match(sim.baseUrl, /^https:\/\//);
    const before = sim.log.length;
    const dir = tempDir();
    const r = await fetch(env(dir), "--since", "2h");
    assert.equal(r.code, 78, r.stderr);
    assertOneLineError(r, /TLS check of the VCO .*failed \(.*\).*VCO_CA_FILE/);
    assert.equal(sim.log.length, before, "no request got past the handshake");
    const other = await fetch(env(tempDir(), { VCO_CA_FILE: pki.otherCaFile }));
    assert.equal(other.code, 78, "an unrelated CA does not help");
  });

  it("NODE_EXTRA_CA_CERTS adds the private CA", async () => {
    const dir = tempDir();
    const r = await fetch(env(dir, { NODE_EXTRA_CA_CERTS: pki.caFile }), "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([eventsFile(dir)], sim.enterprises.get(1)!.store.all());
  });

  it("VCO_CA_FILE adds the private CA", async () => {
    const dir = tempDir();
    const r = await fetch(env(dir, { VCO_CA_FILE: pki.caFile }), "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([eventsFile(dir)], sim.enterprises.get(1)!.store.all());
  });

  it("VCO_TLS_INSECURE=true works, and warns on every run", async () => {
    const dir = tempDir();
    for (const args of [["fetch", "--since", "2h"], ["fetch"]]) {
      const r = await runCli(args, env(dir, { VCO_TLS_INSECURE: "true" }));
      assert.equal(r.code, 0, r.stderr);
      const warnings = logLines(r.stdout).filter(
        (l) => l.level === "warn" && l.event === "tls-insecure",
      );
      assert.equal(warnings.length, 1, r.stdout);
    }
    assertExactSet([eventsFile(dir)], sim.enterprises.get(1)!.store.all());
  });
});

describe("secrets never leak", { skip }, () => {
  it("token, password and session cookies appear in no output and no file, at trace level, on every path", async (t) => {
    const pki = makePki(tempDir("vco-events-pki-"));
    const sim = await httpsSim(pki);
    t.after(() => sim.stop());
    const outputs: Array<{ name: string; r: CliResult }> = [];
    const dirs: string[] = [];
    const run = async (
      name: string,
      env: Record<string, string>,
      expected: number,
      args = ["fetch", "--since", "2h"],
    ) => {
      const dir = tempDir();
      dirs.push(dir);
      const r = await runCli(args, {
        VCO_HOSTNAME: sim.baseUrl,
        VCO_CA_FILE: pki.caFile,
        VCO_DATA_DIR: dir,
        LOG_LEVEL: "trace",
        VCO_RETRY_BUDGET: "2s",
        ...env,
      });
      outputs.push({ name, r });
      assert.equal(r.code, expected, `${name}: ${r.stderr}`);
      return r;
    };
    const password = { VCO_USERNAME: USER, VCO_PASSWORD: PASSWORD };

    // Success with a password: a 5xx, then the session expires mid-run and a new one is made.
    let events = 0;
    sim.onRequest = (method) => {
      if (method === EVENTS && ++events === 2) sim.expireSessions();
    };
    sim.faultMethods = [EVENTS];
    sim.script = ["serverError"];
    await run("password, re-login", password, 0);
    sim.onRequest = undefined;
    assert.ok(sim.issuedSessions.length >= 2, "sessions were handed out and replaced");
    await run("token", { VCO_TOKEN: TOKEN }, 0);
    await run("token and password both set", { VCO_TOKEN: TOKEN, ...password }, 0);
    // Refusals.
    await run("wrong token", { VCO_TOKEN: WRONG_TOKEN }, 77);
    await run("wrong password", { VCO_USERNAME: USER, VCO_PASSWORD: WRONG_PASSWORD }, 77);
    sim.script = ["unauthorized"];
    await run("HTTP 401", { VCO_TOKEN: TOKEN }, 77);
    sim.script = ["forbidden"];
    await run("HTTP 403 after a password login", password, 77);
    // A server that never answers, one that is not there, one whose certificate is not trusted.
    sim.script = ["hang", "hang", "hang", "hang", "hang", "hang"];
    await run(
      "timeouts",
      { ...password, VCO_REQUEST_TIMEOUT: "300ms", VCO_RETRY_BUDGET: "1s" },
      75,
    );
    sim.script = [];
    const closed = await closedPort();
    await run(
      "unreachable host",
      { ...password, VCO_HOSTNAME: `https://127.0.0.1:${closed}`, VCO_RETRY_BUDGET: "1s" },
      75,
    );
    await run("TLS failure", { ...password, VCO_CA_FILE: pki.otherCaFile }, 78);
    await run("TLS failure with a token", { VCO_TOKEN: TOKEN, VCO_CA_FILE: "" }, 78);

    const secrets = [TOKEN, WRONG_TOKEN, PASSWORD, WRONG_PASSWORD, ...sim.issuedSessions];
    const forms = secrets.flatMap((s) => [
      s,
      encodeURIComponent(s),
      Buffer.from(s).toString("base64"),
    ]);
    for (const { name, r } of outputs) {
      for (const s of forms) {
        assert.ok(!r.stdout.includes(s), `${name}: a secret in stdout`);
        assert.ok(!r.stderr.includes(s), `${name}: a secret in stderr`);
      }
      assert.doesNotMatch(r.stdout + r.stderr, /Token canary|velocloud\.session=/, name);
    }
    const files = dirs.flatMap(allFiles);
    assert.ok(files.length > 5, "the runs wrote files to check");
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      for (const s of forms) assert.ok(!bytes.includes(s), `a secret in ${f}`);
    }
    assert.ok(
      outputs.some(({ r }) =>
        logLines(r.stdout).some((l) => l.level === "trace" || l.level === "debug"),
      ),
      "trace level was on",
    );
  });
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
