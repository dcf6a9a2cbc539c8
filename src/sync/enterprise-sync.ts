import { ConfigError, describeError } from "../errors.js";
import type { Logger } from "../logger.js";
import { NdjsonFile, reconcile, type FileMark } from "../sink/ndjson-file.js";
import { loadState, saveState, type EnterpriseState, type RunRecord } from "../store/state.js";
import { iso, type Clock } from "../time.js";
import type { VcoClient } from "../vco/client.js";
import { LinePacker } from "../sink/line-packer.js";
import type { Enterprise } from "../vco/schemas.js";
import type { Tracker } from "./progress.js";
import type { MemoryReleaser } from "./release-memory.js";
import { SeenWindow } from "../dedupe/seen-window.js";
import { eachOldestFirst, walkSlices } from "./slices.js";

/**
 * A backfill commits (fsyncs the file, then saves the cursor and window) after this many events or
 * this long, not after every slice: fsync is the slowest step of a slice. A crash loses no written
 * line either way, since the next start adopts lines written after the last commit.
 */
const COMMIT_EVERY = 65_536;
const COMMIT_MS = 1_000;

export interface SyncOptions {
  client: VcoClient;
  vco: string;
  dataDir: string;
  enterprise: Enterprise;
  folder: string;
  clock: Clock;
  /** The orchestrator's now (see vco/vco-clock.ts): window ends and cursors are in its time. */
  vcoNow?: () => number;
  logger: Logger;
  overlapMs: number;
  /** Where to start when this enterprise has no cursor yet (epoch ms). */
  firstStart: number;
  progress?: Tracker;
  /** Collects garbage between slices (the run's; none when absent). */
  releaser?: MemoryReleaser;
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
 * cursor slice by slice. Each slice is appended as it comes; the cursor is committed only after the
 * file is fsynced, every COMMIT_EVERY events or COMMIT_MS and at the end.
 */
export async function syncEnterprise(o: SyncOptions): Promise<SyncResult> {
  const { enterprise, logger, clock } = o;
  const vcoNow = o.vcoNow ?? (() => clock.now());
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
      {
        event: "cursor-rebuilt",
        cursor: cursor === null ? null : iso(cursor),
        events: recovered.events.length,
      },
      "no saved cursor, but events.json already has events: continuing after the newest one",
    );
  } else if (recovered.change !== "none") {
    log.warn(
      {
        event: "file-changed",
        change: recovered.change,
        adopted: recovered.events.length,
        cutBytes: recovered.cutBytes,
      },
      describeChange(recovered.change),
    );
  }
  cursor = pullBackFromFuture(cursor, seen, vcoNow(), log);
  if (saved && saved.folder !== o.folder) {
    log.info(
      { event: "enterprise-renamed", from: saved.folder, to: o.folder },
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
  const packer = new LinePacker();
  /** Saves the state with the cursor moved to `to`; the in-memory state changes only if it saved. */
  const commit = async (mark: FileMark, to = state.cursor) => {
    const next = { ...state, cursor: to, file: mark, seen: seen.toJSON() };
    await saveState(o.dataDir, next);
    Object.assign(state, next);
  };

  // The slice written (and committed) in the background while the next one is fetched.
  let pending: Promise<void> | undefined;
  // The cursor as far as lines are written; state.cursor is the committed one.
  let writtenCursor = cursor;
  let sinceCommit = 0;
  let committedAt = clock.now();
  const settle = async () => {
    const p = pending;
    pending = undefined;
    await p;
  };

  try {
    await commit(await file.mark());
    const start = cursor === null ? o.firstStart : cursor - o.overlapMs;
    const end = vcoNow();
    o.progress?.begin(start, end);
    for await (const slice of walkSlices(o.client, enterprise.id, start, end, log)) {
      // Everything below touches the state, the window and the packer: the last slice's commit
      // must be done with them first (it also fails this run here if it could not be written).
      await settle();
      // The window's end came from the VCO's clock as last measured; if that clock has since been
      // set back, the slice reaches into the VCO's future, and the cursor stops at its present.
      const reached = Math.min(slice.end, vcoNow());
      // Only keys the next query can reach again need remembering.
      const keepFrom = reached - o.overlapMs;
      let written = 0;
      eachOldestFirst(slice, (batch, i) => {
        const time = batch.time[i]!;
        let key: string | undefined;
        if (seen.mayHold(time)) {
          key = batch.key(i);
          if (seen.has(key)) return;
        }
        if (time >= keepFrom) seen.add(key ?? batch.key(i), time);
        const line = batch.rewritten?.get(i);
        if (line) packer.add(line, 0, line.length);
        else packer.add(batch.bytes, batch.start[i]!, batch.end[i]!);
        written++;
      });
      const lines = packer.take();
      for (const b of slice.batches) b.release();
      const nextCursor = Math.max(writtenCursor ?? reached, reached);
      seen.prune(nextCursor - o.overlapMs);
      sinceCommit += written;
      const commitNow = sinceCommit >= COMMIT_EVERY || clock.now() - committedAt >= COMMIT_MS;
      pending = (async () => {
        const { rotated } = await file.write(lines);
        totals.fetched += slice.count + slice.repeats;
        totals.duplicates += slice.count - written + slice.repeats;
        totals.written += written;
        totals.pages += slice.pages;
        writtenCursor = nextCursor;
        o.progress?.advance(written, nextCursor);
        // Written but not committed: a crash now leaves complete lines that the next start adopts,
        // so commits (an fsync of the file and of the state) can be fewer than slices.
        if (commitNow || rotated) {
          await commit(await file.mark(), writtenCursor);
          sinceCommit = 0;
          committedAt = clock.now();
        }
        log.debug(
          {
            event: "slice-written",
            sliceEnd: iso(slice.end),
            written,
            pages: slice.pages,
            committed: commitNow || rotated,
          },
          "slice written",
        );
      })();
      pending.catch(() => {}); // awaited by settle(); never unhandled meanwhile
      if (slice.pages > 1) o.releaser?.afterSlice();
      o.client.throwIfStopped();
    }
    await settle();
    o.progress?.end();
    // The first reply may have shown the VCO's clock further behind than this run assumed.
    writtenCursor = pullBackFromFuture(writtenCursor, seen, vcoNow(), log);
    state.lastRun = runRecord(startedAt, clock.now(), true, totals);
    state.lastSuccessAt = iso(clock.now());
    state.lastError = null;
    await commit(await file.mark(), writtenCursor);
    log.info(
      { event: "enterprise-done", ...totals, cursor: iso(state.cursor ?? end), file: file.path },
      `enterprise ${enterprise.name}: ${totals.written} new events written`,
    );
    return result(state, totals);
  } catch (err) {
    // A write still under way finishes first: it is progress, and a commit writes the same state file.
    await settle().catch(() => {});
    o.progress?.end();
    const message = describeError(err);
    state.lastRun = runRecord(startedAt, clock.now(), false, totals, message);
    state.lastError = { at: iso(clock.now()), message };
    // Slices written before a failure elsewhere (the VCO, a signal) are complete: commit them. After
    // a failed write or fsync the file refuses to be marked (NdjsonFile.failed) and only the run
    // record is saved: part of a slice can be in the file, and the next start's reconcile sees it.
    const saved = await file
      .mark()
      .then((mark) => commit(mark, writtenCursor))
      .then(
        () => true,
        () => false,
      );
    if (!saved) await saveState(o.dataDir, state).catch(() => {});
    log.error(
      { event: "enterprise-failed", ...totals, error: message },
      `enterprise ${enterprise.name}: run failed`,
    );
    return { ...result(state, totals), error: err };
  } finally {
    await file.close();
  }
}

/**
 * A cursor ahead of the orchestrator's now was set by a run that trusted our clock over the VCO's
 * (an older version, or the VCO's clock was set back since). Events after the last one written may
 * not have been asked for, so the cursor goes back there: nothing is lost, at the price of a few
 * events perhaps written twice (their keys let a SIEM drop them).
 */
function pullBackFromFuture(
  cursor: number | null,
  seen: SeenWindow,
  vcoNow: number,
  log: Logger,
): number | null {
  if (cursor === null || cursor <= vcoNow) return cursor;
  const to = Math.min(vcoNow, seen.newest ?? vcoNow);
  log.warn(
    { event: "cursor-pulled-back", cursor: iso(cursor), vcoNow: iso(vcoNow), to: iso(to) },
    "the cursor is ahead of the orchestrator's clock (its clock was set back, or an older version " +
      "trusted ours): fetching again from the newest event written; a few events may be written twice",
  );
  return to;
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
