import fs from "node:fs";
import fsp from "node:fs/promises";
import { StorageError } from "../errors.js";
import { EVENTS_FILE, inside } from "../store/paths.js";
import { storageError } from "../store/storage-error.js";
import { tailHash, type FileMark } from "./file-mark.js";

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
