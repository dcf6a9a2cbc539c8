import { ConfigError, describeError, RefusedError, VcoError } from "../errors.js";
import { filters, lineMatches } from "../filter/match.js";
import type { Logger } from "../logger.js";
import { LinePacker } from "../sink/line-packer.js";
import { NdjsonFile } from "../sink/ndjson-file.js";
import type { EnterpriseState } from "../store/state.js";
import { iso, type Clock } from "../time.js";
import type { VcoClient } from "../vco/client.js";
import { STREAM_READERS } from "../vco/streams.js";
import { CommitCadence, type Totals } from "./commit-cadence.js";
import type { Tracker } from "./progress.js";
import { pullBackFromFuture, recoverState } from "./recover-state.js";
import { eachOldestFirst, walkSlices, type Slice, type SliceSlots } from "./slices.js";
import type { SeenWindow } from "../dedupe/seen-window.js";
import type { EventFilter } from "../filter/event-filter.js";
import type { StreamTarget } from "./stream-target.js";

export interface SyncOptions {
  client: VcoClient;
  vco: string;
  dataDir: string;
  /** An enterprise, or a partner's or operator's own events (stream-target.ts). */
  target: StreamTarget;
  clock: Clock;
  /** The orchestrator's now (see vco/vco-clock.ts): window ends and cursors are in its time. */
  vcoNow?: () => number;
  logger: Logger;
  overlapMs: number;
  /** Where to start when this target has no cursor yet (epoch ms). */
  firstStart: number;
  progress?: Tracker;
  /** Slices walked at once beyond this enterprise's own, shared across the run's enterprises. */
  slots?: SliceSlots;
}

export interface SyncResult {
  stream: StreamTarget["stream"];
  /** 0 for the partner and operator streams. */
  enterpriseId: number;
  enterpriseName: string;
  folder: string;
  fetched: number;
  written: number;
  duplicates: number;
  filtered: number;
  pages: number;
  cursor: number | null;
  error?: unknown;
}

/**
 * One target (an enterprise, or the partner or operator stream), one run: square the state with
 * the file, then walk the window behind the cursor slice by slice, oldest first: drop what was
 * written before and what the filter keeps out, append the rest, and let the commit cadence move
 * the cursor once the lines are safely on disk. With a filter the VCO may send empty pages for
 * time that holds only other events: the slice still ends where it ends, so the cursor moves on.
 */
export async function syncTarget(o: SyncOptions): Promise<SyncResult> {
  const first = await syncOnce(o);
  const { target } = o;
  if (first.error === undefined || !rulesRefused(target, first.error)) return first;
  // An orchestrator that takes no (or not these) filter rules: the filter is checked here on
  // every event anyway, so the run goes on without them, from the state the failure committed.
  o.logger.warn(
    {
      event: "filter-rules-refused",
      ...(target.stream === "enterprise" ? { enterpriseId: target.id } : { stream: target.stream }),
      error: describeError(first.error),
    },
    "the orchestrator refused the filter rules; fetching unfiltered and filtering here",
  );
  return syncOnce({ ...o, target: { ...target, source: { ...target.source, rules: [] } } });
}

/** An invalid-params reply about the filter to a query that sent rules. */
function rulesRefused(target: StreamTarget, err: unknown): boolean {
  return (
    target.source.rules.length > 0 &&
    err instanceof VcoError &&
    err.code === -32602 &&
    /filter|rule/i.test(err.vcoMessage)
  );
}

async function syncOnce(o: SyncOptions): Promise<SyncResult> {
  const { target, logger, clock } = o;
  const vcoNow = o.vcoNow ?? (() => clock.now());
  const log = logger.child(
    target.stream === "enterprise"
      ? { enterpriseId: target.id, enterprise: target.name }
      : { stream: target.stream },
  );
  const startedAt = clock.now();
  const recovered = await recoverState({
    dataDir: o.dataDir,
    vco: o.vco,
    ref: target.ref,
    label:
      target.stream === "enterprise" ? `enterprise ${target.id}` : `the ${target.stream} stream`,
    name: target.name,
    folder: target.folder,
    overlapMs: o.overlapMs,
    vcoNow: vcoNow(),
    log,
  });
  const { saved, cursor, seen } = recovered;
  // Without a cursor nothing is written yet: the window is complete from wherever the run starts.
  let seenFrom = recovered.seenFrom ?? o.firstStart;

  const file = await NdjsonFile.open(o.dataDir, target.folder);
  const cadence = new CommitCadence({
    dataDir: o.dataDir,
    file,
    state: startingState(o, saved, cursor, seenFrom),
    seen,
    clock,
    log,
    ...(o.progress ? { onWritten: o.progress.advance } : {}),
  });
  const packer = new LinePacker();
  try {
    // Once at the start, so that lines adopted or a cursor moved by the recovery are committed
    // before anything is written; not when the state on disk already says so (a quiet target's
    // run then saves its state once, at the end).
    if (!recovered.asSaved) await cadence.commit();
    // Never further back than the seen window can dedupe: events before seenFrom were written (they
    // are behind the cursor) or published too late for any earlier run's overlap. So a VCO_OVERLAP
    // widened since the last run takes full effect once the cursor has moved on by the difference.
    const start = cursor === null ? o.firstStart : Math.max(cursor - o.overlapMs, seenFrom);
    const end = vcoNow();
    o.progress?.begin(start, end);
    for await (const slice of walkSlices(o.client, target.source, start, end, log, o.slots)) {
      // The window's end came from the VCO's clock as last measured; if that clock has since been
      // set back, the slice reaches into the VCO's future, and the cursor stops at its present.
      const reached = Math.min(slice.end, vcoNow());
      const { written, filtered } = newEvents(
        slice,
        seen,
        packer,
        reached - o.overlapMs,
        target.filter,
      );
      const next = Math.max(cadence.writtenCursor ?? reached, reached);
      seenFrom = Math.max(seenFrom, next - o.overlapMs);
      seen.prune(seenFrom);
      cadence.append({
        ...slice,
        lines: packer.take(),
        written,
        filtered,
        cursor: next,
        seenFrom,
        sliceEnd: slice.end,
      });
      for (const b of slice.batches) b.release();
      o.client.throwIfStopped();
      // The window and the packer are this slice's until it is written. The next slice is taken
      // only then: until it is, it waits among the walk's slices, which count it, rather than
      // here, where it was one more beyond them (2-3 MiB of a dense backfill's peak).
      await cadence.settle();
    }
    o.progress?.end();
    // The first reply may have shown the VCO's clock further behind than this run assumed.
    cadence.writtenCursor = pullBackFromFuture(cadence.writtenCursor, seen, vcoNow(), log);
    await cadence.succeed(startedAt);
    const { totals, state } = cadence;
    log.info(
      { event: "enterprise-done", ...totals, cursor: iso(state.cursor ?? end), file: file.path },
      `${describe(target)}: ${totals.written} new events written`,
    );
    return result(target, state, totals);
  } catch (caught) {
    o.progress?.end();
    const err = rulesRefused(target, caught) ? caught : refusedStream(target, caught);
    const message = describeError(err);
    await cadence.fail(startedAt, message);
    log.error(
      { event: "enterprise-failed", ...cadence.totals, error: message },
      `${describe(target)}: run failed`,
    );
    return { ...result(target, cadence.state, cadence.totals), error: err };
  } finally {
    await file.close();
  }
}

const describe = (t: StreamTarget): string =>
  t.stream === "enterprise" ? `enterprise ${t.name}` : `${t.stream} stream`;

/**
 * A partner or operator stream the account may not read is a setup mistake, not an outage: the
 * VCO refuses its method, with an error reply (a privileges error, or an operator asked for
 * partner events without saying whose) or with HTTP 403 (the swagger's "Insufficient
 * Permissions"). Said in one line, with what to change. A 401 is the credential, not the stream.
 */
function refusedStream(target: StreamTarget, err: unknown): unknown {
  if (target.stream === "enterprise") return err;
  const answer =
    err instanceof VcoError && err.method === target.source.method
      ? `"${err.vcoMessage}"`
      : err instanceof RefusedError && err.status === 403 && err.method === target.source.method
        ? "HTTP 403"
        : undefined;
  if (answer === undefined) return err;
  return new ConfigError(
    `the ${target.stream} stream cannot be read with this account: ${target.source.method} answered ` +
      `${answer}; remove ${target.stream} from VCO_STREAMS, or use ${STREAM_READERS[target.stream]}`,
  );
}

/**
 * Packs the slice's events that are not in the seen window and pass the filter, oldest first, and
 * remembers the keys the next query can reach again (eventTime >= keepFrom). Events the filter
 * keeps out are not remembered: a filter widened later writes them if they are fetched again.
 */
function newEvents(
  slice: Slice,
  seen: SeenWindow,
  packer: LinePacker,
  keepFrom: number,
  filter: EventFilter,
): { written: number; filtered: number } {
  let written = 0;
  let filtered = 0;
  const filtering = filters(filter);
  eachOldestFirst(slice, (batch, i) => {
    const time = batch.time[i]!;
    if (seen.mayHold(time) && seen.hasEvent(batch, i)) return;
    const line = batch.rewritten?.get(i);
    if (filtering) {
      const text = line
        ? line.toString("utf8")
        : batch.bytes.toString("utf8", batch.start[i]!, batch.end[i]!);
      if (!lineMatches(filter, text)) {
        filtered++;
        return;
      }
    }
    if (time >= keepFrom) seen.addEvent(batch, i, time);
    if (line) packer.add(line, 0, line.length);
    else packer.add(batch.bytes, batch.start[i]!, batch.end[i]!);
    written++;
  });
  return { written, filtered };
}

/** The state this run starts from; until it commits, the state on disk stays the last committed. */
function startingState(
  o: SyncOptions,
  saved: EnterpriseState | undefined,
  cursor: number | null,
  seenFrom: number,
): EnterpriseState {
  return {
    version: 1,
    vco: o.vco,
    ...(o.target.stream === "enterprise" ? {} : { stream: o.target.stream }),
    enterpriseId: o.target.id,
    enterpriseName: o.target.name,
    folder: o.target.folder,
    cursor,
    seenFrom,
    seen: [], // saved from the SeenWindow by each commit
    file: saved?.file ?? null,
    lastRun: saved?.lastRun ?? null,
    lastSuccessAt: saved?.lastSuccessAt ?? null,
    lastError: saved?.lastError ?? null,
  };
}

function result(target: StreamTarget, state: EnterpriseState, t: Totals): SyncResult {
  return {
    stream: target.stream,
    enterpriseId: state.enterpriseId,
    enterpriseName: state.enterpriseName,
    folder: state.folder,
    ...t,
    cursor: state.cursor,
  };
}
