import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { StorageError } from "../errors.js";
import { EVENTS_FILE, inside } from "../store/paths.js";
import { storageError } from "../store/storage-error.js";
import { tailHash, type FileMark } from "./file-mark.js";

/** A line's key and eventTime, or why it has none; passed in, as the sink knows no event shape. */
export type KeyOf = (raw: unknown) => { key: string; time: number } | string;

/** Keys and times of events found in the file that the saved state does not know about. */
export interface Recovered {
  /** [key, eventTime] of each complete line found. */
  events: Array<[string, number]>;
  /** Bytes of a partial last line that were cut off. */
  cutBytes: number;
  /** What happened to the file since the last commit, for the log. */
  change: "none" | "grown" | "rotated" | "truncated" | "missing" | "unknown";
}

/**
 * Bring the data file and the saved state back in line after a crash. Lines appended after the
 * last commit are complete events and stay (a log shipper may already have read them): their keys
 * are returned so they are not written again. A partial last line is cut off.
 *
 * When the file is not the one committed (rotated away, emptied by copytruncate, replaced, or the
 * state is lost) the whole file is read, since any line in it may have been written after the
 * commit. Only keys at or after `keepFrom` are kept: older ones are behind every future query.
 */
export async function reconcile(
  dataDir: string,
  folder: string,
  committed: FileMark | null,
  keepFrom: number | null,
  overlapMs: number,
  keyOf: KeyOf,
): Promise<Recovered> {
  const file = inside(dataDir, folder, EVENTS_FILE);
  let st: fs.Stats;
  try {
    st = await fsp.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      const moved = committed
        ? await movedTail(file, committed, keepFrom, overlapMs, keyOf)
        : none();
      return { ...moved, change: committed ? "missing" : "none" };
    }
    throw storageError(err, `cannot read ${file}`);
  }
  if (st.isSymbolicLink() || !st.isFile()) {
    throw new StorageError(`${file} is not a plain file (a symbolic link?); move it away`);
  }
  let from = 0;
  let change: Recovered["change"] = "unknown";
  if (committed) {
    const same =
      st.ino === committed.ino && st.size >= committed.size && (await sameTail(file, committed));
    if (same) {
      if (st.size === committed.size) return { events: [], cutBytes: 0, change: "none" };
      from = committed.size;
      change = "grown";
    } else {
      change = st.ino === committed.ino ? "truncated" : "rotated";
    }
  }
  const moved =
    committed && change === "rotated"
      ? await movedTail(file, committed, keepFrom, overlapMs, keyOf)
      : none();
  const events = [...moved.events, ...(await scanLines(file, from, keepFrom, overlapMs, keyOf))];
  const cutBytes = moved.cutBytes + (await cutPartialTail(file, st.size));
  return { events, cutBytes, change };
}

/** Nothing found: a fresh object each time, since callers own what they get. */
const none = (): Pick<Recovered, "events" | "cutBytes"> => ({ events: [], cutBytes: 0 });

/**
 * Keys of lines written after the last commit to a file that was then rotated away (renamed in
 * the same folder, as logrotate does): found by its inode and checked by the committed size and
 * tail, so a crash between a write and its commit does not write those events again. A partial
 * last line there is the crash's too, and is cut off as in the current file: past the committed
 * size, which ends with a whole line, so nothing committed is touched.
 */
async function movedTail(
  file: string,
  committed: FileMark,
  keepFrom: number | null,
  overlapMs: number,
  keyOf: KeyOf,
): Promise<Pick<Recovered, "events" | "cutBytes">> {
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return none();
  }
  for (const name of names) {
    const candidate = path.join(dir, name);
    if (candidate === file) continue;
    const st = await fsp.lstat(candidate).catch(() => undefined);
    if (!st?.isFile() || st.ino !== committed.ino || st.size <= committed.size) continue;
    if (!(await sameTail(candidate, committed))) continue;
    const events = await scanLines(candidate, committed.size, keepFrom, overlapMs, keyOf);
    return { events, cutBytes: await cutPartialTail(candidate, st.size) };
  }
  return none();
}

async function sameTail(file: string, committed: FileMark): Promise<boolean> {
  if (committed.tail === undefined) return true;
  const fh = await fsp.open(file, "r");
  try {
    return (await tailHash(fh, committed.size)) === committed.tail;
  } finally {
    await fh.close();
  }
}

/**
 * [key, eventTime] of complete lines from byte `from` on, streamed. Keeps those at or after
 * `keepFrom`, or, when that is unknown, within `windowMs` of the newest line.
 */
async function scanLines(
  file: string,
  from: number,
  keepFrom: number | null,
  windowMs: number,
  keyOf: KeyOf,
): Promise<Array<[string, number]>> {
  let out: Array<[string, number]> = [];
  let newest = Number.NEGATIVE_INFINITY;
  let pruneAt = 50_000;
  const threshold = () => keepFrom ?? newest - windowMs;
  const prune = () => (out = out.filter(([, t]) => t >= threshold()));
  const input = fs.createReadStream(file, { start: from, encoding: "utf8" });
  const lines = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (!line.trim()) continue;
    try {
      const keyed = keyOf(JSON.parse(line));
      if (typeof keyed === "string") continue;
      out.push([keyed.key, keyed.time]);
      if (keyed.time > newest) newest = keyed.time;
      if (out.length >= pruneAt) {
        prune();
        pruneAt = Math.max(50_000, out.length * 2);
      }
    } catch {
      /* not an event line: a partial last line (cut below) or foreign text, left alone */
    }
  }
  return prune();
}

/** Cut bytes after the last newline: the remains of a write that a crash interrupted. */
async function cutPartialTail(file: string, size: number): Promise<number> {
  if (size === 0) return 0;
  const fh = await fsp.open(file, "r+");
  try {
    const chunk = Buffer.alloc(Math.min(size, 1 << 20));
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await fh.read(chunk, 0, end - start, start);
      const nl = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl >= 0) {
        const keep = start + nl + 1;
        if (keep < size) {
          await fh.truncate(keep);
          await fh.sync();
        }
        return size - keep;
      }
      end = start;
    }
    await fh.truncate(0);
    await fh.sync();
    return size;
  } finally {
    await fh.close();
  }
}
