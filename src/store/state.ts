import fs from "node:fs/promises";
import * as z from "zod";
import { StorageError } from "../errors.js";
import { readSeenJson } from "../dedupe/seen-json.js";
import type { SeenWindow } from "../dedupe/seen-window.js";
import { readJson, writeFileAtomic } from "./atomic.js";
import { inside, STATE_DIR } from "./paths.js";
import { storageError } from "./storage-error.js";
import { STREAMS, type StreamName } from "../vco/streams.js";

const runSchema = z.object({
  startedAt: z.string(),
  finishedAt: z.string(),
  ok: z.boolean(),
  fetched: z.number(),
  written: z.number(),
  duplicates: z.number(),
  pages: z.number(),
  error: z.string().optional(),
  /** Events the filter kept out (VCO_MIN_SEVERITY, VCO_EVENTS_*, VCO_CATEGORIES), checked locally. */
  filtered: z.number().optional(),
});
export type RunRecord = z.infer<typeof runSchema>;

export const stateSchema = z.object({
  version: z.literal(1),
  vco: z.string(),
  /** Which stream: absent for enterprise events (files written before streams existed). */
  stream: z.enum(STREAMS).optional(),
  enterpriseId: z.number(),
  enterpriseName: z.string(),
  /** Output folder, relative to the data dir. */
  folder: z.string(),
  /** Every event with eventTime <= cursor that the VCO showed has been written (epoch ms). */
  cursor: z.number().nullable(),
  /**
   * The seen window is complete from here: every event written with eventTime >= seenFrom has its
   * key in `seen`, so a run never fetches from further back (a widened VCO_OVERLAP takes effect as
   * the window fills). Absent in files of versions before it (see sync/recover-state.ts).
   */
  seenFrom: z.number().optional(),
  /** Keys and times of events written with eventTime >= seenFrom: the dedupe window. */
  seen: z.array(z.tuple([z.string(), z.number()])),
  /** What the data file looked like when the cursor was last committed. */
  file: z.object({ ino: z.number(), size: z.number(), tail: z.string().optional() }).nullable(),
  lastRun: runSchema.nullable(),
  lastSuccessAt: z.string().nullable(),
  lastError: z.object({ at: z.string(), message: z.string() }).nullable(),
});
export type EnterpriseState = z.infer<typeof stateSchema>;

export function stateDir(dataDir: string): string {
  return inside(dataDir, STATE_DIR);
}

/** An enterprise's state by its id, or a partner or operator stream's by its name. */
export type StateRef = number | Exclude<StreamName, "enterprise">;

/**
 * `.state/enterprise-<id>.json` per enterprise, `.state/partner.json` and `.state/operator.json`
 * for the streams: the prefix keeps them apart whatever the ids.
 */
export function stateFileName(ref: StateRef): string {
  return typeof ref === "number" ? `enterprise-${ref}.json` : `${ref}.json`;
}

/** The ref a state is saved under. */
export const refOf = (state: EnterpriseState): StateRef =>
  state.stream && state.stream !== "enterprise" ? state.stream : state.enterpriseId;

function stateFile(dataDir: string, ref: StateRef): string {
  return inside(dataDir, STATE_DIR, stateFileName(ref));
}

export async function ensureStateDir(dataDir: string): Promise<string> {
  const dir = stateDir(dataDir);
  try {
    // The data dir is group-readable (a log shipper may run as another user); the state is not.
    await fs.mkdir(dataDir, { recursive: true, mode: 0o750 });
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw storageError(err, `cannot create ${dir}`);
  }
  return dir;
}

/**
 * The saved state of an enterprise. With `seen`, its dedupe window is read straight into that
 * SeenWindow ("skip": only checked) and the returned state's `seen` is empty: a window of a long
 * VCO_OVERLAP on a dense enterprise holds hundreds of thousands of keys, too many to make an array
 * of pairs of. Without it, `seen` is the array, as the file has it.
 */
export async function loadState(
  dataDir: string,
  ref: StateRef,
  seen?: SeenWindow | "skip",
): Promise<EnterpriseState | undefined> {
  const file = stateFile(dataDir, ref);
  const json = seen === undefined ? await readJson(file) : await readLean(file, seen);
  if (json === undefined) return undefined;
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    // Written atomically, so this is outside damage: refuse rather than refetch and double.
    throw new StorageError(
      `state file ${file} is damaged: move it away to rebuild the cursor from the data file, ` +
        "or restore it from a backup",
    );
  }
  return parsed.data;
}

const SEEN_KEY = Buffer.from('"seen":');

/**
 * The state file parsed with its seen window read into `seen` and left out of what JSON.parse
 * sees; null when it is not JSON or not a state file's shape (reported as damage by the caller).
 * `"seen":` unquoted can only be a key: a string holding it has its quotes escaped.
 */
async function readLean(file: string, seen: SeenWindow | "skip"): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw storageError(err, `cannot read ${file}`);
  }
  const key = bytes.indexOf(SEEN_KEY);
  if (key < 0) return null;
  const from = key + SEEN_KEY.length;
  const to = readSeenJson(bytes, from, seen === "skip" ? undefined : seen);
  if (to < 0) return null;
  try {
    return JSON.parse(
      bytes.toString("utf8", 0, from) + "[]" + bytes.toString("utf8", to, bytes.length),
    );
  } catch {
    return null;
  }
}

/**
 * Saves the state. `seenJson`, when given, is the seen window as JSON in pieces (SeenWindow.json)
 * and stands for `state.seen`: the file is the same either way, and older versions read it.
 */
export async function saveState(
  dataDir: string,
  state: EnterpriseState,
  seenJson?: Iterable<Uint8Array>,
): Promise<void> {
  const file = stateFile(dataDir, refOf(state));
  if (!seenJson) return writeFileAtomic(file, JSON.stringify(state));
  const rest = JSON.stringify({ ...state, seen: undefined }); // undefined: left out
  await writeFileAtomic(file, withSeen(rest, seenJson));
}

function* withSeen(rest: string, seenJson: Iterable<Uint8Array>): Generator<Uint8Array> {
  yield Buffer.from(`${rest.slice(0, -1)},"seen":`);
  yield* seenJson;
  yield Buffer.from("}");
}

export async function listStates(dataDir: string): Promise<EnterpriseState[]> {
  let names: string[];
  try {
    names = await fs.readdir(stateDir(dataDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw storageError(err, `cannot read ${stateDir(dataDir)}`);
  }
  const out: EnterpriseState[] = [];
  for (const name of names.sort()) {
    const m = /^(?:enterprise-(\d+)|(partner|operator))\.json$/.exec(name);
    if (!m) continue;
    const s = await loadState(dataDir, m[1] ? Number(m[1]) : (m[2] as StateRef), "skip");
    if (s) out.push(s);
  }
  return out;
}
