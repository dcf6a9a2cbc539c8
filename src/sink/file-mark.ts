import { createHash } from "node:crypto";
import type fsp from "node:fs/promises";

// What a commit records of events.json, and how a later start tells it is still the same file.

export interface FileMark {
  ino: number;
  size: number;
  /** Hash of the bytes just before `size`: tells "same file, grown" from "emptied, then refilled". */
  tail?: string | undefined;
}

const TAIL_BYTES = 64;

export async function tailHash(fh: fsp.FileHandle, size: number): Promise<string> {
  const len = Math.min(size, TAIL_BYTES);
  const buf = Buffer.alloc(len);
  await fh.read(buf, 0, len, size - len);
  return createHash("sha256").update(buf).digest("hex").slice(0, 16);
}
