import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LockedError } from "../errors.js";
import { storageError } from "./storage-error.js";

/** How often the holder touches the lock, and when an untouched lock from elsewhere counts as dead. */
const HEARTBEAT_MS = 5_000;
const FOREIGN_STALE_MS = 60_000;

interface Holder {
  pid: number;
  host: string;
  bootId: string;
  /** The pid namespace: a container on the host network shares the hostname but not the pids. */
  pidNs?: string;
  procStart: string;
  nonce: string;
  since: string;
}

export interface Lock {
  release(): void;
}

/**
 * One run per data directory. The lock file names its holder; a holder that died (kill -9, power
 * loss, a container that was removed) is detected at once on the same host by its pid and process
 * start time, and elsewhere by a heartbeat that stopped. So a crash never leaves a lock that blocks
 * every later run.
 */
export function acquireLock(dir: string): Lock {
  const file = path.join(dir, "lock");
  const me: Holder = {
    pid: process.pid,
    host: os.hostname(),
    bootId: bootId(),
    pidNs: pidNamespace(),
    procStart: procStart(process.pid),
    nonce: randomUUID(),
    since: new Date().toISOString(),
  };
  for (let tries = 0; tries < 3; tries++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: "wx", mode: 0o600 });
      return holdLock(file, me);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST")
        throw storageError(err, `cannot create ${file}`);
    }
    const holder = readHolder(file);
    // An unreadable lock is either being written right now or was left half-written by a crash.
    const held = holder ? !isStale(file, holder, me) : ageMs(file) < HEARTBEAT_MS;
    if (held) {
      throw new LockedError(
        `another vco-events run (pid ${holder?.pid ?? "?"} on ${holder?.host ?? "?"}) is ` +
          `working on ${dir}; this run stops so nothing is written twice. It will be picked up next time`,
      );
    }
    takeOver(file, holder);
  }
  throw new LockedError(
    `could not take the lock ${file}: other runs keep taking it; try again later`,
  );
}

function holdLock(file: string, me: Holder): Lock {
  const beat = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      /* the next run sees a stale heartbeat at worst */
    }
  }, HEARTBEAT_MS);
  beat.unref();
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      clearInterval(beat);
      if (readHolder(file)?.nonce === me.nonce) fs.rmSync(file, { force: true });
    },
  };
}

function isStale(file: string, holder: Holder, me: Holder): boolean {
  if (holder.host === me.host && holder.bootId === me.bootId && holder.pidNs === me.pidNs) {
    if (!isAlive(holder.pid)) return true;
    // The pid was reused by an unrelated process since the holder died.
    return holder.procStart !== "" && procStart(holder.pid) !== holder.procStart;
  }
  return ageMs(file) > FOREIGN_STALE_MS;
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Move the dead holder's file aside, then check that it really was that holder's: if another run
 * took over in between, put its lock back (link fails rather than overwrite a newer lock).
 */
function takeOver(file: string, dead: Holder | undefined): void {
  const aside = `${file}.stale-${process.pid}-${randomUUID()}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return;
  }
  const moved = readHolder(aside);
  if (dead && moved && moved.nonce !== dead.nonce) {
    try {
      fs.linkSync(aside, file);
    } catch {
      /* someone else holds it now; the next loop reads them */
    }
  }
  fs.rmSync(aside, { force: true });
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Holder;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function pidNamespace(): string {
  try {
    return fs.readlinkSync("/proc/self/ns/pid");
  } catch {
    return "";
  }
}

function bootId(): string {
  try {
    return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "";
  }
}

/** Field 22 of /proc/<pid>/stat: start time since boot, which tells a reused pid apart. */
function procStart(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}
