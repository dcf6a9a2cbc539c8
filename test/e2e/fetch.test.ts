import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { cliEnv, logLines, runCli } from "../helpers/cli.js";
import { envFor, PASSWORD, startSim, TOKEN, USER } from "../helpers/sim.js";
import { keyOf, readLines, tempDir } from "../helpers/tmp.js";

const HOUR = 3_600_000;

/** The file must hold exactly the simulator's events, each once, oldest first, unchanged. */
function assertExactly(file: string, expected: Array<Record<string, unknown>>): void {
  const lines = readLines(file);
  assert.equal(lines.length, expected.length, "line count");
  const keys = new Set(lines.map(keyOf));
  assert.equal(keys.size, lines.length, "no duplicates");
  const byKey = new Map(expected.map((e) => [keyOf(e), e]));
  for (const line of lines) assert.deepEqual(line, byKey.get(keyOf(line)), "event unchanged");
  for (let i = 1; i < lines.length; i++) {
    assert.ok(
      Date.parse(lines[i - 1]!.eventTime as string) <= Date.parse(lines[i]!.eventTime as string),
      "chronological",
    );
  }
}

describe("fetch end to end", () => {
  it("token login: every event of a 12,000-event, several-hour window, once and in order", async () => {
    const sim = await startSim();
    const now = Date.now();
    sim.enterprises.get(1)!.store.addSpread(12_000, now - 5 * HOUR, now - 1000);
    const dir = tempDir();
    const r = await runCli(["fetch", "--since", "6h"], envFor(sim, dir));
    assert.equal(r.code, 0, r.stderr);
    assertExactly(path.join(dir, "ACME_Corp", "events.json"), sim.enterprises.get(1)!.store.all());
    const summary = logLines(r.stdout).find(
      (l) => l.enterpriseId === 1 && typeof l.written === "number",
    );
    assert.equal(summary?.written, 12_000);
    assert.ok(sim.count("event/getEnterpriseEvents") >= 6, "paged");
    assert.ok(
      sim.log.every((l) => l.status === 200),
      "every request was well formed",
    );
  });

  it("password login, then logout; the data lands the same", async () => {
    const sim = await startSim({ loginSuccessStatus: 302 });
    const now = Date.now();
    sim.enterprises.get(1)!.store.addSpread(300, now - HOUR, now - 1000);
    const dir = tempDir();
    const env = {
      VCO_HOSTNAME: sim.baseUrl,
      VCO_USERNAME: USER,
      VCO_PASSWORD: PASSWORD,
      VCO_DATA_DIR: dir,
    };
    const r = await runCli(["fetch", "--since", "2h"], env);
    assert.equal(r.code, 0, r.stderr);
    assertExactly(path.join(dir, "ACME_Corp", "events.json"), sim.enterprises.get(1)!.store.all());
    assert.equal(sim.count("login/enterpriseLogin"), 1);
    assert.equal(sim.count("logout"), 1);
    assert.equal(sim.sessions.size, 0, "session ended");
  });

  it("5,000 events inside one second come through nextPageLink", async () => {
    const sim = await startSim();
    const second = Math.floor((Date.now() - 60_000) / 1000) * 1000;
    const store = sim.enterprises.get(1)!.store;
    for (let i = 0; i < 5000; i++) store.add(second);
    const dir = tempDir();
    const r = await runCli(["fetch", "--since", "1h"], envFor(sim, dir));
    assert.equal(r.code, 0, r.stderr);
    assertExactly(path.join(dir, "ACME_Corp", "events.json"), store.all());
  });

  it("an older VCO without nextPageLink: 6,000 events by narrowing the interval", async () => {
    const sim = await startSim({ legacyPaging: true });
    const now = Date.now();
    sim.enterprises.get(1)!.store.addSpread(6000, now - 3 * HOUR, now - 1000);
    const dir = tempDir();
    const r = await runCli(["fetch", "--since", "4h"], envFor(sim, dir));
    assert.equal(r.code, 0, r.stderr);
    assertExactly(path.join(dir, "ACME_Corp", "events.json"), sim.enterprises.get(1)!.store.all());
  });

  it("three runs with new and late events in between: the exact set, nothing twice", async () => {
    const sim = await startSim();
    const store = sim.enterprises.get(1)!.store;
    const now = Date.now();
    store.addSpread(2500, now - 2 * HOUR, now - 1000);
    const dir = tempDir();
    const env = envFor(sim, dir);
    assert.equal((await runCli(["fetch", "--since", "3h"], env)).code, 0);

    // New events, and events published late with an eventTime before the last run's cursor.
    store.addSpread(40, Date.now() - 500, Date.now());
    for (let i = 0; i < 30; i++) store.add(Date.now() - 5 * 60_000 + i * 1000);
    const second = await runCli(["fetch"], env);
    assert.equal(second.code, 0, second.stderr);

    for (let i = 0; i < 20; i++) store.add(Date.now() - 8 * 60_000 + i * 1000);
    store.add(Date.now());
    const third = await runCli(["fetch"], env);
    assert.equal(third.code, 0, third.stderr);

    const lines = readLines(path.join(dir, "ACME_Corp", "events.json"));
    const expected = store.all();
    assert.equal(lines.length, expected.length);
    assert.deepEqual(new Set(lines.map(keyOf)), new Set(expected.map(keyOf)));
    const summaries = logLines(third.stdout).filter(
      (l) => l.enterpriseId === 1 && typeof l.duplicates === "number",
    );
    assert.ok(
      (summaries[0]?.duplicates as number) > 0,
      "the overlap was re-read and its repeats dropped",
    );
  });

  it("VCO 6.2 events keyed on logicalId pass through unchanged", async () => {
    const sim = await startSim({ shape: "6.2" });
    const now = Date.now();
    sim.enterprises.get(1)!.store.addSpread(3000, now - HOUR, now - 1000);
    const dir = tempDir();
    const r = await runCli(["fetch", "--since", "2h"], envFor(sim, dir));
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(dir, "ACME_Corp", "events.json");
    assertExactly(file, sim.enterprises.get(1)!.store.all());
    const first = readLines(file)[0]!;
    assert.equal(first.id, undefined);
    assert.equal(typeof first.logicalId, "string");
    assert.equal(typeof first.detail, "string");
  });

  it("a repeat run with nothing new makes one request and writes nothing", async () => {
    const sim = await startSim();
    const now = Date.now();
    sim.enterprises.get(1)!.store.addSpread(100, now - HOUR, now - 1000);
    const dir = tempDir();
    assert.equal((await runCli(["fetch", "--since", "2h"], envFor(sim, dir))).code, 0);
    const before = sim.log.length;
    const r = await runCli(["fetch"], envFor(sim, dir));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sim.log.length - before, 1, "only the events call; the enterprise list is cached");
    assert.equal(readLines(path.join(dir, "ACME_Corp", "events.json")).length, 100);
  });
});

describe("bad input: a clear one-line error, the right exit code, nothing written", () => {
  const expectFailure = async (
    env: Record<string, string>,
    code: number,
    pattern: RegExp,
    dir: string,
  ) => {
    const r = await runCli(["fetch"], env);
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    const written = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n !== ".state") : [];
    assert.deepEqual(written, [], "no event files");
  };

  it("wrong token: exit 77", async () => {
    const sim = await startSim();
    const dir = tempDir();
    await expectFailure(
      { ...envFor(sim, dir), VCO_TOKEN: "nope" },
      77,
      /API token.*invalid or expired/i,
      dir,
    );
  });

  it("wrong password: exit 77 with the VCO's reason", async () => {
    const sim = await startSim();
    const dir = tempDir();
    const env = {
      VCO_HOSTNAME: sim.baseUrl,
      VCO_USERNAME: USER,
      VCO_PASSWORD: "wrong",
      VCO_DATA_DIR: dir,
    };
    await expectFailure(env, 77, /Invalid username or password/, dir);
  });

  it("missing variables: exit 78 naming each of them", async () => {
    const dir = tempDir();
    const r = await runCli(["fetch"], { VCO_DATA_DIR: dir });
    assert.equal(r.code, 78);
    assert.match(r.stderr, /VCO_HOSTNAME/);
    assert.match(r.stderr, /VCO_TOKEN/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it("plain http to a non-loopback host: exit 78", async () => {
    const dir = tempDir();
    await expectFailure(
      { VCO_HOSTNAME: "http://vco.example.com", VCO_TOKEN: TOKEN, VCO_DATA_DIR: dir },
      78,
      /only allowed for loopback/,
      dir,
    );
  });

  it("an unreadable --since: exit 78", async () => {
    const sim = await startSim();
    const dir = tempDir();
    const r = await runCli(["fetch", "--since", "yesterday"], envFor(sim, dir));
    assert.equal(r.code, 78);
    assert.match(r.stderr, /--since/);
  });

  it(".env in the working directory is read, and the environment wins over it", async () => {
    const sim = await startSim();
    const now = Date.now();
    sim.enterprises.get(1)!.store.addSpread(10, now - HOUR, now - 1000);
    const cwd = tempDir();
    const dir = path.join(cwd, "out");
    fs.writeFileSync(
      path.join(cwd, ".env"),
      `VCO_HOSTNAME=${sim.baseUrl}\nVCO_TOKEN=wrong-token\nVCO_DATA_DIR=${dir}\n`,
    );
    const r = await runCli(["fetch", "--since", "2h"], { VCO_TOKEN: TOKEN }, cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readLines(path.join(dir, "ACME_Corp", "events.json")).length, 10);
    assert.ok(cliEnv({}).VCO_TOKEN === undefined);
  });
});
