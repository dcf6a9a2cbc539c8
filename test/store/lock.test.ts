import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { it } from "node:test";
import { LockedError } from "../../src/errors.js";
import { acquireLock } from "../../src/store/lock.js";
import { tempDir } from "../helpers/kit.js";

it("one holder at a time; released on release", () => {
  const dir = tempDir();
  const lock = acquireLock(dir);
  assert.throws(
    () => acquireLock(dir),
    (e: unknown) => e instanceof LockedError && /another vco-events run \(pid \d+/.test(e.message),
  );
  lock.release();
  acquireLock(dir).release();
  assert.deepEqual(fs.readdirSync(dir), []);
});

it("a lock left by a process that was killed does not block the next run", async () => {
  const dir = tempDir();
  const holder = `
    import { acquireLock } from ${JSON.stringify(new URL("../../src/store/lock.js", import.meta.url).href)};
    acquireLock(${JSON.stringify(dir)});
    process.stdout.write("locked\\n");
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", holder], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  assert.throws(() => acquireLock(dir), LockedError, "a live holder blocks");
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
  assert.ok(fs.existsSync(path.join(dir, "lock")), "the dead holder's file is still there");
  const lock = acquireLock(dir);
  lock.release();
});

it("a half-written lock file from a crash is taken over once it is old", () => {
  const dir = tempDir();
  const file = path.join(dir, "lock");
  fs.writeFileSync(file, "");
  assert.throws(() => acquireLock(dir), LockedError, "fresh: maybe being written right now");
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(file, old, old);
  acquireLock(dir).release();
});

it("a lock from another pid namespace (a container on the host network) is not judged by our pids", () => {
  const dir = tempDir();
  const file = path.join(dir, "lock");
  const mine = JSON.parse(
    JSON.stringify({
      pid: 999_999,
      host: os.hostname(),
      bootId: fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
      pidNs: "pid:[1]",
      procStart: "1",
      nonce: "n",
      since: "2024-01-01T00:00:00Z",
    }),
  );
  fs.writeFileSync(file, JSON.stringify(mine));
  assert.throws(() => acquireLock(dir), LockedError, "pid 999999 is not ours to look up");
});

it("a lock from another host counts as dead only when its heartbeat stopped", () => {
  const dir = tempDir();
  const file = path.join(dir, "lock");
  const foreign = {
    pid: 1,
    host: "elsewhere",
    bootId: "x",
    procStart: "1",
    nonce: "n",
    since: "2024-01-01T00:00:00Z",
  };
  fs.writeFileSync(file, JSON.stringify(foreign));
  assert.throws(() => acquireLock(dir), LockedError);
  const old = new Date(Date.now() - 120_000);
  fs.utimesSync(file, old, old);
  acquireLock(dir).release();
});
