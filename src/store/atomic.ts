import fs from "node:fs/promises";
import path from "node:path";
import { storageError } from "./storage-error.js";

/**
 * Replace a file so that a crash at any instant leaves either the old or the new content, never
 * a mix or an empty file: write a temp file, fsync it, rename it over, fsync the directory.
 */
export async function writeFileAtomic(
  file: string,
  content: string | Iterable<Uint8Array>,
  mode = 0o600,
): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fh = await fs.open(tmp, "w", mode);
    try {
      if (typeof content === "string") await fh.writeFile(content, "utf8");
      else {
        for (const piece of content) {
          for (let at = 0; at < piece.length;) at += (await fh.write(piece, at)).bytesWritten;
        }
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
    await syncDir(path.dirname(file));
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw storageError(err, `cannot save ${file}`);
  }
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function readJson(file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw storageError(err, `cannot read ${file}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
