// Files changing underneath: rotation (logrotate create mode) and copytruncate between runs; a data
// dir that cannot be written; a full disk; and the modes of everything the tool creates.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it, type TestContext } from "node:test";
import {
  allFiles,
  assertExactSet,
  assertOneLineError,
  envFor,
  eventsFile,
  fetch,
  HOUR,
  killHard,
  readLines,
  readState,
  simFixture,
  sizeOf,
  spawnCli,
  startSimWith,
  statePath,
  tempDir,
  waitFor,
} from "../helpers/kit.js";

/** Run a command; false (with the reason) when this machine does not allow it. */
function tryRun(cmd: string, args: string[]): true | string {
  try {
    execFileSync(cmd, args, { stdio: "pipe" });
    return true;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return `${cmd} ${args.join(" ")}: ${e.stderr?.toString().trim() || e.message}`;
  }
}

/**
 * A small tmpfs at a new folder (or at `at`), unmounted and removed when the test ends; skips the
 * test when this machine does not allow mounting.
 */
function tmpfs(t: TestContext, size: string, at?: string): string | undefined {
  const dir = at ?? fs.mkdtempSync(path.join(os.tmpdir(), "vco-events-mnt-"));
  fs.mkdirSync(dir, { recursive: true });
  const ok = tryRun("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir]);
  if (ok !== true) {
    t.skip(`cannot mount a tmpfs here (${ok})`);
    return undefined;
  }
  // One hook that never throws: a failing hook would skip the ones after it (the simulator's stop).
  t.after(() => {
    tryRun("umount", ["-l", dir]);
    if (!at) fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe("events.json changing underneath between runs", () => {
  for (const mode of ["create", "none"] as const) {
    it(`renamed away by logrotate (${mode === "create" ? "create mode: a new empty file" : "no new file"}): a new file, nothing lost or repeated`, async () => {
      const { store, env, file } = await simFixture({
        events: { count: 3000, oldest: HOUR, newest: 60_000 },
      });
      assert.equal((await fetch(env, "--since", "2h")).code, 0);
      const before = new Set(store.all().map((e) => JSON.stringify(e)));
      fs.renameSync(file, `${file}.1`);
      if (mode === "create") fs.writeFileSync(file, "", { mode: 0o640 });
      // New events, and late ones inside the overlap that the first run already saw nearby.
      store.addSpread(500, Date.now() - 5 * 60_000, Date.now() - 1000);
      const r = await fetch(env);
      assert.equal(r.code, 0, r.stderr);
      assertExactSet([`${file}.1`, file], store.all());
      const fresh = readLines(file);
      assert.equal(fresh.length, 500, "the new file holds only the new events");
      assert.ok(fresh.every((e) => !before.has(JSON.stringify(e))));
    });
  }

  it("copytruncate (copied, then emptied in place): nothing lost or repeated", async () => {
    const { store, env, file } = await simFixture({
      events: { count: 3000, oldest: HOUR, newest: 60_000 },
    });
    assert.equal((await fetch(env, "--since", "2h")).code, 0);
    const ino = fs.statSync(file).ino;
    fs.copyFileSync(file, `${file}.1`);
    fs.truncateSync(file, 0);
    store.addSpread(500, Date.now() - 5 * 60_000, Date.now() - 1000);
    const r = await fetch(env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.statSync(file).ino, ino, "kept appending to the same file");
    assertExactSet([`${file}.1`, file], store.all());
    assert.equal(readLines(file).length, 500);
  });
});

describe("a crash, then rotation, before the next run", () => {
  it("kill -9 with lines written after the last commit, then the file renamed away: none written twice", async () => {
    for (let attempt = 1; ; attempt++) {
      const { store, dir, env, file } = await simFixture({
        events: { count: 200_000, oldest: 20 * HOUR },
        env: { LOG_LEVEL: "warn" },
      });
      const { child, done } = spawnCli(["fetch", "--since", "24h"], env);
      // Written but not committed yet: the file is longer than the committed state says.
      const tail = () => {
        const size = readState(dir)?.file?.size;
        return size !== undefined && size > 0 && sizeOf(file) > size;
      };
      await waitFor("lines written after a commit", () => tail() || child.exitCode !== null);
      await killHard(child);
      await done;
      if (!tail()) {
        // The run committed (or ended) in between: try again, a few times at most.
        assert.ok(attempt < 5, "no kill landed between a write and its commit");
        continue;
      }
      fs.renameSync(file, `${file}.1`);
      const again = await fetch(env);
      assert.equal(again.code, 0, again.stderr);
      assertExactSet([`${file}.1`, file], store.all());
      return;
    }
  });
});

describe("a data dir that cannot be written", () => {
  /** A first good run, then a second with new events that must fail cleanly and move nothing. */
  async function failsCleanly(
    dir: string,
    breakIt: () => boolean,
    repair: () => void,
    code: number,
    message: RegExp,
  ) {
    const sim = await startSimWith({ events: { count: 2000, oldest: HOUR, newest: 60_000 } });
    const store = sim.enterprises.get(1)!.store;
    const env = envFor(sim, dir);
    assert.equal((await fetch(env, "--since", "2h")).code, 0);
    const stateBefore = readState(dir);
    // Inside the overlap window and after the cursor, so the next good run must bring all of them.
    store.addSpread(20_000, Date.now() - 10 * 60_000, Date.now() - 1000);
    if (!breakIt()) return;
    let r;
    try {
      r = await fetch(env);
    } finally {
      repair();
    }
    assert.equal(r.code, code, `${r.stderr}${r.stdout}`);
    assertOneLineError(r, message);
    assert.equal(readState(dir)?.cursor, stateBefore?.cursor, "the cursor did not move");

    const again = await fetch(env);
    assert.equal(again.code, 0, again.stderr);
    assertExactSet([eventsFile(dir)], store.all());
  }

  it("on a read-only file system: exit 73 naming it, cursor unmoved", async (t) => {
    const mnt = tmpfs(t, "64m");
    if (!mnt) return;
    await failsCleanly(
      mnt,
      () => {
        const ok = tryRun("mount", ["-o", "remount,ro", mnt]);
        if (ok !== true) t.skip(`cannot remount read-only (${ok})`);
        return ok === true;
      },
      () => void tryRun("mount", ["-o", "remount,rw", mnt]),
      73,
      /read-only/,
    );
  });

  it("events.json made immutable (chattr +i, which binds root too): exit 73, cursor unmoved", async (t) => {
    const dir = tempDir();
    await failsCleanly(
      dir,
      () => {
        const ok = tryRun("chattr", ["+i", eventsFile(dir)]);
        if (ok !== true) t.skip(`chattr +i is not supported here (${ok})`);
        return ok === true;
      },
      () => void tryRun("chattr", ["-i", eventsFile(dir)]),
      73,
      /cannot open .*events\.json \(EPERM\): the tool's user may not write there/,
    );
  });

  it("a file where the data dir or the enterprise folder should be: exit 73 saying so", async () => {
    const sim = await startSimWith({ events: { count: 10, oldest: HOUR } });
    const parent = tempDir();
    const notADir = path.join(parent, "data");
    fs.writeFileSync(notADir, "");
    const r = await fetch(envFor(sim, notADir), "--since", "2h");
    assert.equal(r.code, 73, r.stderr);
    assert.match(r.stderr, /a file stands where a folder was expected/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);

    const dir = path.join(parent, "data2");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "ACME_Corp"), "");
    const r2 = await fetch(envFor(sim, dir), "--since", "2h");
    assert.equal(r2.code, 73, r2.stderr);
    assert.match(r2.stderr, /ACME_Corp/);
    assert.equal(readState(dir)?.cursor ?? null, null, "no cursor committed");
  });

  it("a full disk (small tmpfs): exit 74, cursor unmoved; then the exact set, no partial line", async (t) => {
    const mnt = tmpfs(t, "2m");
    if (!mnt) return;
    await failsCleanly(
      mnt,
      () => true,
      () => void tryRun("mount", ["-o", "remount,size=64m", mnt]),
      74,
      /\(ENOSPC\): the disk is full/,
    );
  });

  it("a full data disk while the state volume still has room: exit 74, cursor unmoved, nothing lost", async (t) => {
    // The hardest case: the append runs out of room part-way, yet a commit would still succeed.
    const mnt = tmpfs(t, "2m");
    if (!mnt || !tmpfs(t, "16m", statePath(mnt))) return;
    await failsCleanly(
      mnt,
      () => true,
      () => void tryRun("mount", ["-o", "remount,size=64m", mnt]),
      74,
      /cannot write .*events\.json \(ENOSPC\): the disk is full/,
    );
  });
});

describe("file modes", () => {
  it("nothing the tool creates is world-readable, whatever the umask", async (t) => {
    const sim = await startSimWith({
      options: { latencyMs: 30 },
      events: { count: 20_000, oldest: HOUR },
    });
    const parent = tempDir();
    const dir = path.join(parent, "data");
    const old = process.umask(0);
    t.after(() => process.umask(old));
    const { child, done } = spawnCli(["fetch", "--since", "2h"], envFor(sim, dir));
    t.after(() => killHard(child));
    process.umask(old);
    const lock = statePath(dir, "lock");
    await waitFor("the lock", () => fs.existsSync(lock));
    const modeOf = (p: string) => fs.statSync(p).mode & 0o777;
    assert.equal(modeOf(lock), 0o600, "lock");
    const r = await done;
    assert.equal(r.code, 0, r.stderr);

    assert.equal(modeOf(dir), 0o750, "data dir");
    assert.equal(modeOf(statePath(dir)), 0o700, ".state");
    assert.equal(modeOf(path.join(dir, "ACME_Corp")), 0o750, "enterprise folder");
    assert.equal(modeOf(eventsFile(dir)), 0o640, "events.json");
    const files = allFiles(dir);
    assert.ok(files.length >= 3, files.join(", "));
    for (const f of files) {
      const expected = f.startsWith(statePath(dir)) ? 0o600 : 0o640;
      assert.equal(modeOf(f), expected, path.relative(dir, f));
    }
  });
});
