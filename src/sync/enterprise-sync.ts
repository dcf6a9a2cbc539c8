import { ConfigError, describeError } from "../errors.js";
import type { Logger } from "../logger.js";
import { NdjsonFile, reconcile, type FileMark } from "../sink/ndjson-file.js";
import { loadState, saveState, type EnterpriseState, type RunRecord } from "../store/state.js";
import { iso, type Clock } from "../time.js";
import type { VcoClient } from "../vco/client.js";
import type { Enterprise, KeyedEvent } from "../vco/schemas.js";
import { releaseMemory } from "./release-memory.js";
import { SeenWindow } from "./seen-window.js";
import { walkSlices } from "./slices.js";

export interface SyncOptions {
  client: VcoClient;
  vco: string;
  dataDir: string;
  enterprise: Enterprise;
  folder: string;
  clock: Clock;
  logger: Logger;
  overlapMs: number;
  /** Where to start when this enterprise has no cursor yet (epoch ms). */
  firstStart: number;
}

export interface SyncResult {
  enterpriseId: number;
  enterpriseName: string;
  folder: string;
  fetched: number;
  written: number;
  duplicates: number;
  pages: number;
  cursor: number | null;
  error?: unknown;
}

/**
 * One enterprise, one run: reconcile the file with the state, then fetch the window behind the
 * cursor slice by slice; each slice is appended, fsynced, and only then is the cursor committed.
 */
export async function syncEnterprise(o: SyncOptions): Promise<SyncResult> {
  const { enterprise, logger, clock } = o;
  const log = logger.child({ enterpriseId: enterprise.id, enterprise: enterprise.name });
  const startedAt = clock.now();
  const saved = await loadState(o.dataDir, enterprise.id);
  if (saved && saved.vco !== o.vco) {
    throw new ConfigError(
      `data dir ${o.dataDir} holds the cursor of enterprise ${enterprise.id} on ${saved.vco}, not ` +
        `${o.vco}: use a separate VCO_DATA_DIR for each orchestrator`,
    );
  }

  const seen = new SeenWindow(saved?.seen ?? []);
  let cursor = saved?.cursor ?? null;
  const keepFrom = cursor === null ? null : cursor - o.overlapMs;
  const recovered = await reconcile(
    o.dataDir,
    saved?.folder ?? o.folder,
    saved?.file ?? null,
    keepFrom,
    o.overlapMs,
  );
  for (const [key, time] of recovered.events) seen.add(key, time);
  if (cursor === null && recovered.events.length > 0) {
    cursor = seen.newest ?? null;
    log.warn(
      { cursor: cursor === null ? null : iso(cursor), events: recovered.events.length },
      "no saved cursor, but events.json already has events: continuing after the newest one",
    );
  } else if (recovered.change !== "none") {
    log.warn(
      { change: recovered.change, adopted: recovered.events.length, cutBytes: recovered.cutBytes },
      describeChange(recovered.change),
    );
  }
  if (saved && saved.folder !== o.folder) {
    log.info(
      { from: saved.folder, to: o.folder },
      "enterprise renamed; new events go to the new folder",
    );
  }

  const file = await NdjsonFile.open(o.dataDir, o.folder);
  const state: EnterpriseState = {
    version: 1,
    vco: o.vco,
    enterpriseId: enterprise.id,
    enterpriseName: enterprise.name,
    folder: o.folder,
    cursor,
    // Until this run commits, the state on disk stays the last committed one.
    seen: saved?.seen ?? [],
    file: saved?.file ?? null,
    lastRun: saved?.lastRun ?? null,
    lastSuccessAt: saved?.lastSuccessAt ?? null,
    lastError: saved?.lastError ?? null,
  };
  const totals = { fetched: 0, written: 0, duplicates: 0, pages: 0 };
  const commit = async (mark: FileMark) => {
    state.file = mark;
    state.seen = seen.toJSON();
    await saveState(o.dataDir, state);
  };

  try {
    await commit(await file.mark());
    const start = cursor === null ? o.firstStart : cursor - o.overlapMs;
    const end = clock.now();
    for await (const slice of walkSlices(o.client, enterprise.id, start, end, log)) {
      const fresh = slice.events.filter((e) => !seen.has(e.key));
      const written = fresh.length;
      // Only keys the next query can reach again need remembering.
      const keepFrom = slice.end - o.overlapMs;
      for (const e of fresh) if (e.time >= keepFrom) seen.add(e.key, e.time);
      const mark = await file.append(linesOf(fresh));
      totals.fetched += slice.events.length + slice.repeats;
      totals.duplicates += slice.events.length - written + slice.repeats;
      totals.written += written;
      totals.pages += slice.pages;
      state.cursor = Math.max(state.cursor ?? slice.end, slice.end);
      seen.prune(state.cursor - o.overlapMs);
      await commit(mark);
      log.debug({ sliceEnd: iso(slice.end), written, pages: slice.pages }, "slice committed");
      if (slice.pages > 1) releaseMemory();
      o.client.throwIfStopped();
    }
    state.lastRun = runRecord(startedAt, clock.now(), true, totals);
    state.lastSuccessAt = iso(clock.now());
    state.lastError = null;
    await commit(await file.mark());
    log.info(
      { ...totals, cursor: iso(state.cursor ?? end), file: file.path },
      `enterprise ${enterprise.name}: ${totals.written} new events written`,
    );
    return result(state, totals);
  } catch (err) {
    const message = describeError(err);
    state.lastRun = runRecord(startedAt, clock.now(), false, totals, message);
    state.lastError = { at: iso(clock.now()), message };
    // Best effort, and only the run record: the cursor, dedupe window and file mark stay as last
    // committed. A failed append (disk full) can leave part of a slice in the file; marking the file
    // now would hide that tail from the next start's reconcile, and the window would name unwritten keys.
    await saveState(o.dataDir, state).catch(() => {});
    log.error({ ...totals, error: message }, `enterprise ${enterprise.name}: run failed`);
    return { ...result(state, totals), error: err };
  } finally {
    await file.close();
  }
}

const NEWLINE = Buffer.from("\n");

/** Lines in pieces of about a page, so a slice is never one giant buffer. */
function* linesOf(events: KeyedEvent[], per = 2048): Generator<Buffer> {
  for (let i = 0; i < events.length; i += per) {
    const parts: Buffer[] = [];
    for (let j = i; j < Math.min(i + per, events.length); j++) parts.push(events[j]!.line, NEWLINE);
    yield Buffer.concat(parts);
  }
}

function describeChange(change: string): string {
  switch (change) {
    case "grown":
      return "events.json has lines written after the last commit (an interrupted run); keeping them";
    case "rotated":
    case "missing":
      return "events.json was rotated or removed since the last run; continuing in a new one";
    case "truncated":
      return "events.json was emptied or rewritten since the last run (copytruncate?); appending to it";
    default:
      return "events.json changed since the last run";
  }
}

function runRecord(
  start: number,
  end: number,
  ok: boolean,
  t: { fetched: number; written: number; duplicates: number; pages: number },
  error?: string,
): RunRecord {
  return { startedAt: iso(start), finishedAt: iso(end), ok, ...t, ...(error ? { error } : {}) };
}

function result(
  state: EnterpriseState,
  t: { fetched: number; written: number; duplicates: number; pages: number },
): SyncResult {
  return {
    enterpriseId: state.enterpriseId,
    enterpriseName: state.enterpriseName,
    folder: state.folder,
    ...t,
    cursor: state.cursor,
  };
}
