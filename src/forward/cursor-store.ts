import fs from "node:fs/promises";
import * as z from "zod";
import { StorageError } from "../errors.js";
import { readJson, writeFileAtomic } from "../store/atomic.js";
import { inside, STATE_DIR } from "../store/paths.js";
import { storageError } from "../store/storage-error.js";
import { sinkId } from "./targets.js";

/** Where a sink has got to in one events.json: the file's identity and the byte after the last line sent. */
const positionSchema = z.object({
  ino: z.number(),
  offset: z.number(),
  /** Hash of the 64 bytes before `offset` (file-mark.ts): tells "same file, grown" from "refilled". */
  tail: z.string().optional(),
});
export type Position = z.infer<typeof positionSchema>;

const schema = z.object({
  version: z.literal(1),
  sink: z.string(),
  createdAt: z.string(),
  /** When the receiver last confirmed a batch. */
  deliveredAt: z.string().nullable(),
  /** By stream folder, relative to the data dir ("ACME_Corp", "vco2/_operator"). */
  files: z.record(z.string(), positionSchema),
});
export type SinkCursor = z.infer<typeof schema>;

export const FORWARD_DIR = "forward";

export const forwardDir = (dataDir: string) => inside(dataDir, STATE_DIR, FORWARD_DIR);
const cursorFile = (dataDir: string, sink: string) =>
  inside(dataDir, STATE_DIR, FORWARD_DIR, `${sinkId(sink)}.json`);

export async function loadSinkCursor(
  dataDir: string,
  sink: string,
): Promise<SinkCursor | undefined> {
  const file = cursorFile(dataDir, sink);
  const json = await readJson(file);
  if (json === undefined) return undefined;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // Written atomically, so this is outside damage: refuse rather than send everything again.
    throw new StorageError(
      `sink cursor ${file} is damaged: restore it from a backup, or move it away to send every ` +
        "current events.json to this sink again from the start",
    );
  }
  return parsed.data;
}

/** Commit a sink's cursor: written whole and fsynced, then renamed over (atomic.ts). */
export async function saveSinkCursor(dataDir: string, cursor: SinkCursor): Promise<void> {
  await ensureForwardDir(dataDir);
  await writeFileAtomic(cursorFile(dataDir, cursor.sink), JSON.stringify(cursor));
}

export async function ensureForwardDir(dataDir: string): Promise<string> {
  const dir = forwardDir(dataDir);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw storageError(err, `cannot create ${dir}`);
  }
  return dir;
}
