// The `data dir` step: will `fetch` be able to write, and is this the right folder? Local only, so
// it runs even when the orchestrator cannot be reached. It looks without changing anything: a
// missing folder is not created, a lock is only read.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ConfigError, StorageError } from "../errors.js";
import { STATE_DIR } from "../store/paths.js";
import { checkLock } from "./lock.js";
import { combine, fail, pass, warn, type Outcome } from "./report.js";

const GiB = 1024 ** 3;
const MIN_FREE = GiB;

export function checkDataDir(dataDir: string, vco: string): Outcome {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dataDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") return unusable(dataDir, e);
    return combine(`${dataDir}: `, [notThereYet(dataDir), freeSpace(existingAncestor(dataDir))]);
  }
  if (!stat.isDirectory()) {
    const err = new StorageError(`${dataDir} is a file, not a folder`, "ENOTDIR");
    return fail(err, err.message, "move it away, or set VCO_DATA_DIR to a folder");
  }
  const stateDir = path.join(dataDir, STATE_DIR);
  return combine(`${dataDir}: `, [
    writable(dataDir),
    freeSpace(dataDir),
    ...modes(dataDir, stat.mode, stateDir),
    checkLock(path.join(stateDir, "lock")),
    states(stateDir, vco),
  ]);
}

function unusable(dir: string, e: unknown): Outcome {
  const code = (e as NodeJS.ErrnoException).code ?? "error";
  const err = new StorageError(`${dir} cannot be read (${code})`, code);
  return fail(err, err.message, "give the tool's user access to it, or set VCO_DATA_DIR");
}

function existingAncestor(dir: string): string {
  let d = path.dirname(dir);
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

function notThereYet(dir: string): Outcome {
  const parent = existingAncestor(dir);
  try {
    fs.accessSync(parent, fs.constants.W_OK | fs.constants.X_OK);
    return pass(`does not exist yet; fetch will create it (${parent} is writable)`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "EACCES";
    const err = new StorageError(`${dir} cannot be created: ${parent} is not writable`, code);
    return fail(
      err,
      `cannot be created: ${parent} is not writable (${code})`,
      "create it with the tool's user as owner, or set VCO_DATA_DIR to a writable place",
    );
  }
}

function writable(dir: string): Outcome {
  const probe = path.join(dir, `.check-${process.pid}-${randomUUID()}`);
  try {
    fs.writeFileSync(probe, "", { flag: "wx", mode: 0o600 });
    fs.rmSync(probe, { force: true });
    return pass("writable");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    const err = new StorageError(`${dir} is not writable (${code})`, code);
    return fail(
      err,
      `not writable (${code})`,
      code === "EROFS"
        ? "the file system is read-only: set VCO_DATA_DIR to a writable place"
        : "give the tool's user write access (owner or mode), or set VCO_DATA_DIR",
    );
  }
}

function freeSpace(dir: string): Outcome {
  try {
    const s = fs.statfsSync(dir);
    const free = s.bavail * s.bsize;
    const shown =
      free >= GiB ? `${(free / GiB).toFixed(1)} GiB` : `${Math.floor(free / 1024 ** 2)} MiB`;
    if (free >= MIN_FREE) return pass(`${shown} free`);
    return warn(
      `only ${shown} free`,
      "free some space or move VCO_DATA_DIR: a full disk stops fetch (nothing is lost, it resumes)",
    );
  } catch {
    return pass("free space unknown");
  }
}

function modes(dir: string, mode: number, stateDir: string): Outcome[] {
  const out: Outcome[] = [];
  // Events name users, edges and addresses: other local users have no business reading them.
  if (mode & 0o004) {
    out.push(
      warn(
        `readable by every user (mode ${octal(mode)})`,
        `chmod o-rwx ${dir} (events name users and addresses)`,
      ),
    );
  }
  const state = statOrUndefined(stateDir);
  if (state && (state.mode & 0o777) !== 0o700) {
    out.push(warn(`${STATE_DIR} has mode ${octal(state.mode)}, not 700`, `chmod 700 ${stateDir}`));
  }
  return out;
}

const octal = (mode: number) => (mode & 0o777).toString(8);

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** Whose cursors this folder holds: this VCO's (fine), none yet, or another orchestrator's. */
function states(stateDir: string, vco: string): Outcome {
  let names: string[];
  try {
    names = fs.readdirSync(stateDir).filter((n) => n.endsWith(".json"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return pass("no cursor yet");
    return unusable(stateDir, e);
  }
  const owners = new Set<string>();
  let cursors = 0;
  for (const name of names) {
    const owner = readVco(path.join(stateDir, name));
    if (owner === undefined) continue;
    owners.add(owner);
    if (owner === vco && /^enterprise-\d+\.json$/.test(name)) cursors++;
  }
  const others = [...owners].filter((o) => o !== vco);
  if (others.length > 0) {
    const err = new ConfigError(`this data dir belongs to ${others.join(", ")}, not ${vco}`);
    return fail(err, err.message, "use another VCO_DATA_DIR (one data dir per orchestrator)");
  }
  return pass(cursors ? `cursors of ${cursors} enterprise(s) of this VCO` : "no cursor yet");
}

function readVco(file: string): string | undefined {
  try {
    const v = (JSON.parse(fs.readFileSync(file, "utf8")) as { vco?: unknown }).vco;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}
