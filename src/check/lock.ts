// Who holds the data dir's lock, read without taking it: a fetch running now (warn: a fetch
// started by hand would stop at once) or a dead run's leftover (fine: the next fetch takes it over).
import fs from "node:fs";
import os from "node:os";
import { pass, warn, type Outcome } from "./report.js";

/** As store/lock.ts: a lock from another host whose heartbeat stopped this long ago is dead. */
const FOREIGN_STALE_MS = 60_000;

/** The lock as store/lock.ts writes it; whether its holder is alive is judged the same way. */
export function checkLock(file: string): Outcome {
  let holder: { pid?: number; host?: string; bootId?: string; pidNs?: string; since?: string };
  try {
    holder = JSON.parse(fs.readFileSync(file, "utf8")) as typeof holder;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return pass("lock free");
    return pass("lock free (a half-written lock file; the next fetch clears it)");
  }
  const who = `pid ${holder.pid ?? "?"} on ${holder.host ?? "?"}`;
  if (!holderAlive(file, holder)) {
    return pass(`lock free (a stale lock of ${who}, which is gone; the next fetch takes it over)`);
  }
  return warn(
    `lock held by ${who} since ${holder.since ?? "?"}`,
    "a fetch is running; a fetch started now would stop at once, so wait for it to finish",
  );
}

function holderAlive(
  file: string,
  h: { pid?: number; host?: string; bootId?: string; pidNs?: string },
) {
  const sameMachine =
    h.host === os.hostname() &&
    (h.bootId === undefined || h.bootId === readTrim("/proc/sys/kernel/random/boot_id")) &&
    (h.pidNs === undefined || h.pidNs === readLink("/proc/self/ns/pid"));
  if (sameMachine && typeof h.pid === "number") {
    try {
      process.kill(h.pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  // Elsewhere: the holder touches the file every few seconds while it runs.
  const age = Date.now() - mtimeOf(file);
  return age < FOREIGN_STALE_MS;
}

const readTrim = (f: string) => {
  try {
    return fs.readFileSync(f, "utf8").trim();
  } catch {
    return "";
  }
};
const readLink = (f: string) => {
  try {
    return fs.readlinkSync(f);
  } catch {
    return "";
  }
};

function mtimeOf(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
