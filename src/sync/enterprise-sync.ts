import { describeError } from "../errors.js";
import type { Logger } from "../logger.js";
import { LinePacker } from "../sink/line-packer.js";
import { NdjsonFile } from "../sink/ndjson-file.js";
import type { EnterpriseState } from "../store/state.js";
import { iso, type Clock } from "../time.js";
import type { VcoClient } from "../vco/client.js";
import type { Enterprise } from "../vco/schemas.js";
import { CommitCadence, type Totals } from "./commit-cadence.js";
import type { Tracker } from "./progress.js";
import { pullBackFromFuture, recoverState } from "./recover-state.js";
import type { MemoryReleaser } from "./release-memory.js";
import { eachOldestFirst, walkSlices, type Slice, type SliceSlots } from "./slices.js";
import type { SeenWindow } from "../dedupe/seen-window.js";

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
  /** Slices walked at once beyond this enterprise's own, shared across the run's enterprises. */
  slots?: SliceSlots;
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
 * One enterprise, one run: square the state with the file, then walk the window behind the cursor
 * slice by slice, oldest first: drop what was written before, append the rest, and let the commit
 * cadence move the cursor once the lines are safely on disk.
 */
export async function syncEnterprise(o: SyncOptions): Promise<SyncResult> {
  const { enterprise, logger, clock } = o;
  const vcoNow = o.vcoNow ?? (() => clock.now());
  const log = logger.child({ enterpriseId: enterprise.id, enterprise: enterprise.name });
  const startedAt = clock.now();
  const { saved, cursor, seen } = await recoverState({
    dataDir: o.dataDir,
    vco: o.vco,
    enterpriseId: enterprise.id,
    folder: o.folder,
    overlapMs: o.overlapMs,
    vcoNow: vcoNow(),
    log,
  });

  const file = await NdjsonFile.open(o.dataDir, o.folder);
  const cadence = new CommitCadence({
    dataDir: o.dataDir,
    file,
    state: startingState(o, saved, cursor),
    seen,
    clock,
    log,
    ...(o.progress ? { onWritten: o.progress.advance } : {}),
  });
  const packer = new LinePacker();
  try {
    await cadence.commit();
    const start = cursor === null ? o.firstStart : cursor - o.overlapMs;
    const end = vcoNow();
    o.progress?.begin(start, end);
    for await (const slice of walkSlices(o.client, enterprise.id, start, end, log, o.slots)) {
      // The window and the packer are the last slice's until it is written.
      await cadence.settle();
      // The window's end came from the VCO's clock as last measured; if that clock has since been
      // set back, the slice reaches into the VCO's future, and the cursor stops at its present.
      const reached = Math.min(slice.end, vcoNow());
      const written = newEvents(slice, seen, packer, reached - o.overlapMs);
      const next = Math.max(cadence.writtenCursor ?? reached, reached);
      seen.prune(next - o.overlapMs);
      cadence.append({
        ...slice,
        lines: packer.take(),
        written,
        cursor: next,
        sliceEnd: slice.end,
      });
      for (const b of slice.batches) b.release();
      if (slice.pages > 1) o.releaser?.afterSlice();
      o.client.throwIfStopped();
    }
    await cadence.settle();
    o.progress?.end();
    // The first reply may have shown the VCO's clock further behind than this run assumed.
    cadence.writtenCursor = pullBackFromFuture(cadence.writtenCursor, seen, vcoNow(), log);
    await cadence.succeed(startedAt);
    const { totals, state } = cadence;
    log.info(
      { event: "enterprise-done", ...totals, cursor: iso(state.cursor ?? end), file: file.path },
      `enterprise ${enterprise.name}: ${totals.written} new events written`,
    );
    return result(state, totals);
  } catch (err) {
    o.progress?.end();
    const message = describeError(err);
    await cadence.fail(startedAt, message);
    log.error(
      { event: "enterprise-failed", ...cadence.totals, error: message },
      `enterprise ${enterprise.name}: run failed`,
    );
    return { ...result(cadence.state, cadence.totals), error: err };
  } finally {
    await file.close();
  }
}

/**
 * Packs the slice's events that are not in the seen window, oldest first, and remembers the keys
 * the next query can reach again (eventTime >= keepFrom). Returns how many it packed.
 */
function newEvents(slice: Slice, seen: SeenWindow, packer: LinePacker, keepFrom: number): number {
  let written = 0;
  eachOldestFirst(slice, (batch, i) => {
    const time = batch.time[i]!;
    if (seen.mayHold(time) && seen.hasEvent(batch, i)) return;
    if (time >= keepFrom) seen.addEvent(batch, i, time);
    const line = batch.rewritten?.get(i);
    if (line) packer.add(line, 0, line.length);
    else packer.add(batch.bytes, batch.start[i]!, batch.end[i]!);
    written++;
  });
  return written;
}

/** The state this run starts from; until it commits, the state on disk stays the last committed. */
function startingState(
  o: SyncOptions,
  saved: EnterpriseState | undefined,
  cursor: number | null,
): EnterpriseState {
  return {
    version: 1,
    vco: o.vco,
    enterpriseId: o.enterprise.id,
    enterpriseName: o.enterprise.name,
    folder: o.folder,
    cursor,
    seen: [], // saved from the SeenWindow by each commit
    file: saved?.file ?? null,
    lastRun: saved?.lastRun ?? null,
    lastSuccessAt: saved?.lastSuccessAt ?? null,
    lastError: saved?.lastError ?? null,
  };
}

function result(state: EnterpriseState, t: Totals): SyncResult {
  return {
    enterpriseId: state.enterpriseId,
    enterpriseName: state.enterpriseName,
    folder: state.folder,
    ...t,
    cursor: state.cursor,
  };
}
