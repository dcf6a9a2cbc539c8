import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { tailHash } from "../sink/file-mark.js";
import { EVENTS_FILE } from "../store/paths.js";
import type { Position } from "./cursor-store.js";

/** A stretch of a file to read: from `from` to its end. */
export interface Segment {
  file: string;
  ino: number;
  from: number;
}

export interface Plan {
  segments: Segment[];
  /** The file the cursor was in is gone (rotated and compressed, or deleted) and not found. */
  lost: boolean;
}

/**
 * What a sink still has to read in one folder, following logrotate as fetch does (recover.ts):
 * - the same file, grown: the rest of it;
 * - `create` (renamed away, a new events.json): the rest of the old file, found in the folder by
 *   its inode and checked by the hash of the bytes before the cursor, then the new file whole;
 * - `copytruncate` (same inode, emptied, maybe refilled): the rest of the copy, found by the same
 *   hash, then the emptied file whole.
 */
export async function planFolder(folder: string, pos: Position | undefined): Promise<Plan> {
  const file = path.join(folder, EVENTS_FILE);
  const current = await plainFile(file);
  const whole = current ? [{ file, ino: current.ino, from: 0 }] : [];
  if (!pos) return { segments: whole, lost: false };
  if (current && current.ino === pos.ino && (await holds(file, current, pos))) {
    return { segments: [{ file, ino: current.ino, from: pos.offset }], lost: false };
  }
  if (pos.offset === 0) return { segments: whole, lost: false };
  const old = await findRotated(folder, file, pos);
  return { segments: old ? [old, ...whole] : whole, lost: !old };
}

async function findRotated(
  folder: string,
  file: string,
  pos: Position,
): Promise<Segment | undefined> {
  let names: string[];
  try {
    names = await fsp.readdir(folder);
  } catch {
    return undefined;
  }
  const found: Segment[] = [];
  for (const name of names) {
    const candidate = path.join(folder, name);
    if (candidate === file) continue;
    const st = await plainFile(candidate);
    if (st && (await holds(candidate, st, pos)))
      found.push({ file: candidate, ino: st.ino, from: pos.offset });
  }
  // The renamed file itself (create) before a copy of it (copytruncate).
  return found.find((s) => s.ino === pos.ino) ?? found[0];
}

/** The file is at least as long as the cursor, with the same bytes just before it. */
async function holds(file: string, st: fs.Stats, pos: Position): Promise<boolean> {
  if (st.size < pos.offset) return false;
  if (pos.tail === undefined) return true;
  try {
    const fh = await fsp.open(file, "r");
    try {
      return (await tailHash(fh, pos.offset)) === pos.tail;
    } finally {
      await fh.close();
    }
  } catch {
    return false;
  }
}

async function plainFile(file: string): Promise<fs.Stats | undefined> {
  const st = await fsp.lstat(file).catch(() => undefined);
  return st?.isFile() ? st : undefined;
}
