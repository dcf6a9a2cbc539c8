import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { StorageError } from "../errors.js";
import { eventKey } from "../vco/event-key.js";
import { EVENTS_FILE, inside } from "../store/paths.js";
import { storageError } from "../store/storage-error.js";

export interface FileMark {
  ino: number;
  size: number;
  /** Hash of the bytes just before `size`: tells "same file, grown" from "emptied, then refilled". */
  tail?: string | undefined;
}

const TAIL_BYTES = 64;

/** Keys and times of events found in the file that the saved state does not know about. */
export interface Recovered {
  /** [key, eventTime] of each complete line found. */
  events: Array<[string, number]>;
  /** Bytes of a partial last line that were cut off. */
  cutBytes: number;
  /** What happened to the file since the last commit, for the log. */
  change: "none" | "grown" | "rotated" | "truncated" | "missing" | "unknown";
}

const { O_RDWR, O_APPEND, O_CREAT, O_NOFOLLOW } = fs.constants;

/**
 * The enterprise's events.json, opened for appending. Lines are written whole and fsynced before
 * the caller moves the cursor, so the file never lags the state.
 */
export class NdjsonFile {
  private unsynced = false;
  /**
   * The first failed write or fsync. After it, what was written since the last mark cannot be
   * trusted (part of a slice, or data a second fsync would report as synced without it being on
   * disk), so every later write and mark fails with it: nothing is committed past it.
   */
  private failed: StorageError | undefined;

  private constructor(
    readonly path: string,
    private fh: fsp.FileHandle,
  ) {}

  static async open(dataDir: string, folder: string): Promise<NdjsonFile> {
    const dir = inside(dataDir, folder);
    const file = inside(dataDir, folder, EVENTS_FILE);
    await ensureFolder(dir);
    return new NdjsonFile(file, await openAppend(file));
  }

  /**
   * Append text in pieces (so a slice never needs one giant buffer). Not yet durable: mark() makes
   * it so. A crash in between leaves complete lines that the next start adopts (see reconcile).
   */
  async write(pieces: Iterable<Buffer | string> | string): Promise<{ rotated: boolean }> {
    if (this.failed) throw this.failed;
    let rotated = false;
    try {
      rotated = await this.followRotation();
      for (const piece of typeof pieces === "string" ? [pieces] : pieces) {
        if (piece.length === 0) continue;
        // One write(2) may write less than asked (a disk filling up) without an error: go on until
        // all is written, so a full disk fails here instead of committing a short slice.
        const buf = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
        for (let off = 0; off < buf.length;) {
          const { bytesWritten } = await this.fh.write(buf, off, buf.length - off, null);
          if (bytesWritten === 0)
            throw Object.assign(new Error("no space written"), { code: "ENOSPC" });
          off += bytesWritten;
        }
        this.unsynced = true;
      }
    } catch (err) {
      throw (this.failed = storageError(err, `cannot write ${this.path}`));
    }
    return { rotated };
  }

  /** fsync what was written, then the file's identity and size: what a commit records. */
  async mark(): Promise<FileMark> {
    if (this.failed) throw this.failed;
    try {
      if (this.unsynced) await this.fh.sync();
      this.unsynced = false;
      const st = await this.fh.stat();
      return { ino: st.ino, size: st.size, tail: await tailHash(this.fh, st.size) };
    } catch (err) {
      throw (this.failed = storageError(err, `cannot write ${this.path}`));
    }
  }

  async append(pieces: Iterable<Buffer | string> | string): Promise<FileMark> {
    await this.write(pieces);
    return this.mark();
  }

  /** If logrotate moved the file away mid-run, continue in a new file at the same path. */
  private async followRotation(): Promise<boolean> {
    const [onDisk, mine] = await Promise.all([
      fsp.lstat(this.path).catch(() => undefined),
      this.fh.stat(),
    ]);
    if (onDisk && onDisk.ino === mine.ino) return false;
    // What went to the old file is made durable before moving on: a commit marks only the new one.
    // A failed fsync fails the write, so nothing after the last commit is committed.
    if (this.unsynced) await this.fh.sync();
    await this.fh.close();
    this.fh = await openAppend(this.path);
    this.unsynced = false;
    return true;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

async function ensureFolder(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true, mode: 0o750 });
    const st = await fsp.lstat(dir);
    if (!st.isDirectory()) {
      throw new StorageError(`${dir} is not a plain folder (a symbolic link?); move it away`);
    }
  } catch (err) {
    throw storageError(err, `cannot create ${dir}`);
  }
}

async function openAppend(file: string): Promise<fsp.FileHandle> {
  try {
    return await fsp.open(file, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW, 0o640);
  } catch (err) {
    throw storageError(err, `cannot open ${file}`);
  }
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
): Promise<Recovered> {
  const file = inside(dataDir, folder, EVENTS_FILE);
  let st: fs.Stats;
  try {
    st = await fsp.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      const moved = committed ? await movedTail(file, committed, keepFrom, overlapMs) : [];
      return { events: moved, cutBytes: 0, change: committed ? "missing" : "none" };
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
    committed && change === "rotated" ? await movedTail(file, committed, keepFrom, overlapMs) : [];
  const events = [...moved, ...(await scanLines(file, from, keepFrom, overlapMs))];
  const cutBytes = await cutPartialTail(file, st.size);
  return { events, cutBytes, change };
}

/**
 * Keys of lines written after the last commit to a file that was then rotated away (renamed in
 * the same folder, as logrotate does): found by its inode and checked by the committed size and
 * tail, so a crash between a write and its commit does not write those events again.
 */
async function movedTail(
  file: string,
  committed: FileMark,
  keepFrom: number | null,
  overlapMs: number,
): Promise<Array<[string, number]>> {
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  for (const name of names) {
    const candidate = path.join(dir, name);
    if (candidate === file) continue;
    const st = await fsp.lstat(candidate).catch(() => undefined);
    if (!st?.isFile() || st.ino !== committed.ino || st.size <= committed.size) continue;
    if (!(await sameTail(candidate, committed))) continue;
    return scanLines(candidate, committed.size, keepFrom, overlapMs);
  }
  return [];
}

async function tailHash(fh: fsp.FileHandle, size: number): Promise<string> {
  const len = Math.min(size, TAIL_BYTES);
  const buf = Buffer.alloc(len);
  await fh.read(buf, 0, len, size - len);
  return createHash("sha256").update(buf).digest("hex").slice(0, 16);
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
      const keyed = eventKey(JSON.parse(line));
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
