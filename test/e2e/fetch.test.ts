import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import {
  assertOneLineError,
  eventsFile,
  fetch,
  HOUR,
  keyOf,
  logLines,
  passwordEnv,
  readLines,
  runCli,
  simFixture,
  startSimWith,
  tempDir,
  TOKEN,
  writtenFolders,
} from "../helpers/kit.js";

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
    const { sim, store, env, file } = await simFixture({
      events: { count: 12_000, oldest: 5 * HOUR },
    });
    const r = await fetch(env, "--since", "6h");
    assert.equal(r.code, 0, r.stderr);
    assertExactly(file, store.all());
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
    const { sim, store, dir, file } = await simFixture({
      options: { loginSuccessStatus: 302 },
      events: { count: 300, oldest: HOUR },
    });
    const r = await fetch(passwordEnv(sim, dir), "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assertExactly(file, store.all());
    assert.equal(sim.count("login/enterpriseLogin"), 1);
    assert.equal(sim.count("logout"), 1);
    assert.equal(sim.sessions.size, 0, "session ended");
  });

  it("5,000 events inside one second come through nextPageLink", async () => {
    const { store, env, file } = await simFixture();
    const second = Math.floor((Date.now() - 60_000) / 1000) * 1000;
    for (let i = 0; i < 5000; i++) store.add(second);
    const r = await fetch(env, "--since", "1h");
    assert.equal(r.code, 0, r.stderr);
    assertExactly(file, store.all());
  });

  it("an older VCO without nextPageLink: 6,000 events by narrowing the interval", async () => {
    const { store, env, file } = await simFixture({
      options: { legacyPaging: true },
      events: { count: 6000, oldest: 3 * HOUR },
    });
    const r = await fetch(env, "--since", "4h");
    assert.equal(r.code, 0, r.stderr);
    assertExactly(file, store.all());
  });

  it("three runs with new and late events in between: the exact set, nothing twice", async () => {
    const { store, env, file } = await simFixture({ events: { count: 2500, oldest: 2 * HOUR } });
    assert.equal((await fetch(env, "--since", "3h")).code, 0);

    // New events, and events published late with an eventTime before the last run's cursor. New
    // ones are a few seconds old: a window ends at the VCO's now as its Date headers tell it, to
    // the second and never ahead, so an event of this very instant may wait for the next run.
    store.addSpread(40, Date.now() - 6_000, Date.now() - 4_000);
    for (let i = 0; i < 30; i++) store.add(Date.now() - 5 * 60_000 + i * 1000);
    const second = await fetch(env);
    assert.equal(second.code, 0, second.stderr);

    for (let i = 0; i < 20; i++) store.add(Date.now() - 8 * 60_000 + i * 1000);
    store.add(Date.now() - 4_000);
    const third = await fetch(env);
    assert.equal(third.code, 0, third.stderr);

    const lines = readLines(file);
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
    const { store, env, file } = await simFixture({
      options: { shape: "6.2" },
      events: { count: 3000, oldest: HOUR },
    });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assertExactly(file, store.all());
    const first = readLines(file)[0]!;
    assert.equal(first.id, undefined);
    assert.equal(typeof first.logicalId, "string");
    assert.equal(typeof first.detail, "string");
  });

  it("a repeat run with nothing new makes one request, writes nothing, saves its state once", async () => {
    const { sim, env, file } = await simFixture({ events: { count: 100, oldest: HOUR } });
    assert.equal((await fetch(env, "--since", "2h")).code, 0);
    const before = sim.log.length;
    // Each save renames a new file over the state (store/atomic.ts): count those renames.
    const saves: string[] = [];
    const watcher = fs.watch(path.join(env.VCO_DATA_DIR!, ".state"), (type, name) => {
      if (type === "rename" && name && /^enterprise-\d+\.json$/.test(name)) saves.push(name);
    });
    let r;
    try {
      r = await fetch(env);
      await new Promise((resolve) => setTimeout(resolve, 200)); // inotify's events, delivered late
    } finally {
      watcher.close();
    }
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sim.log.length - before, 1, "only the events call; the enterprise list is cached");
    assert.equal(readLines(file).length, 100);
    assert.deepEqual(saves, ["enterprise-1.json"], "once, at the end, with the run's record");
  });
});

describe("bad input: a clear one-line error, the right exit code, nothing written", () => {
  const expectFailure = async (
    env: Record<string, string>,
    code: number,
    pattern: RegExp,
    dir: string,
  ) => {
    const r = await fetch(env);
    assert.equal(r.code, code, r.stderr);
    assertOneLineError(r, pattern);
    assert.deepEqual(writtenFolders(dir), [], "no event files");
  };

  it("wrong token: exit 77", async () => {
    const { env, dir } = await simFixture();
    await expectFailure({ ...env, VCO_TOKEN: "nope" }, 77, /API token.*invalid or expired/i, dir);
  });

  it("wrong password: exit 77 with the VCO's reason", async () => {
    const sim = await startSimWith();
    const dir = tempDir();
    await expectFailure(
      passwordEnv(sim, dir, { VCO_PASSWORD: "wrong" }),
      77,
      /Invalid username or password/,
      dir,
    );
  });

  it("missing variables: exit 78 naming each of them", async () => {
    const dir = tempDir();
    const r = await fetch({ VCO_DATA_DIR: dir });
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
    const { env } = await simFixture();
    const r = await fetch(env, "--since", "yesterday");
    assert.equal(r.code, 78);
    assert.match(r.stderr, /--since/);
  });

  it(".env in the working directory is read, and the environment wins over it", async () => {
    const sim = await startSimWith({ events: { count: 10, oldest: HOUR } });
    const cwd = tempDir();
    const dir = path.join(cwd, "out");
    fs.writeFileSync(
      path.join(cwd, ".env"),
      `VCO_HOSTNAME=${sim.baseUrl}\nVCO_TOKEN=wrong-token\nVCO_DATA_DIR=${dir}\n`,
    );
    const r = await runCli(["fetch", "--since", "2h"], { VCO_TOKEN: TOKEN }, cwd);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readLines(eventsFile(dir)).length, 10);
    // Without it in the environment, the .env's token is the one sent: the success above was the
    // environment winning, not the .env's token going unread.
    const fromDotEnv = await runCli(["fetch"], {}, cwd);
    assert.equal(fromDotEnv.code, 77, fromDotEnv.stderr);
    assertOneLineError(fromDotEnv, /API token.*invalid or expired/i);
  });
});
