import type { Logger } from "../logger.js";
import type { NdjsonFile } from "../sink/ndjson-file.js";
import { SeenWindow } from "../dedupe/seen-window.js";
import {
  loadState,
  refOf,
  saveState,
  type EnterpriseState,
  type RunRecord,
} from "../store/state.js";
import { iso, type Clock } from "../time.js";

/**
 * A backfill commits (fsyncs the file, then saves the cursor and window) after this many events or
 * this long, not after every slice: fsync is the slowest step of a slice. A crash loses no written
 * line either way, since the next start adopts lines written after the last commit.
 */
const COMMIT_EVERY = 65_536;
const COMMIT_MS = 1_000;

export interface Totals {
  fetched: number;
  written: number;
  duplicates: number;
  /** Kept out by the filter (checked locally; the VCO may have filtered more before sending). */
  filtered: number;
  pages: number;
}

/** What the pipeline hands over for each slice. */
export interface SliceLines {
  lines: Buffer[];
  /** Events in the slice (repeats not counted), and the repeats inside it. */
  count: number;
  repeats: number;
  pages: number;
  /** How many of `count` are new (the rest were in the seen window or filtered out). */
  written: number;
  /** How many of `count` the filter kept out. */
  filtered: number;
  /** The cursor once these lines are written. */
  cursor: number;
  /** Where the seen window, as this slice left it, is complete from (state.seenFrom). */
  seenFrom: number;
  /** For the log: where the slice ends. */
  sliceEnd: number;
}

/**
 * The write-behind and commit cadence of one enterprise's run: a slice's lines are appended while
 * the next slice is fetched, and the state (cursor, seen window, file mark) is committed only after
 * the file is fsynced, every COMMIT_EVERY events or COMMIT_MS, on rotation, and at the end. The
 * state on disk never claims more than the file holds.
 */
export class CommitCadence {
  readonly totals: Totals = {
    fetched: 0,
    written: 0,
    duplicates: 0,
    filtered: 0,
    pages: 0,
  };
  /** The cursor as far as lines are written; state.cursor is the committed one. */
  writtenCursor: number | null;
  /**
   * The seenFrom that goes with the window as the last written slice left it. It is committed
   * with that window, whatever the window's floor is later: the main loop changes the window
   * only after settle(), so a commit always saves a window, cursor and seenFrom of one slice.
   */
  private writtenSeenFrom: number | undefined;
  private pending: Promise<void> | undefined;
  private sinceCommit = 0;
  private committedAt: number;

  constructor(
    private readonly o: {
      dataDir: string;
      file: NdjsonFile;
      /**
       * The run's state; it changes only when a commit has saved it. Its `seen` is not used: the
       * window is saved from `seen` below.
       */
      state: EnterpriseState;
      seen: SeenWindow;
      clock: Clock;
      log: Logger;
      onWritten?: (written: number, cursor: number) => void;
    },
  ) {
    this.writtenCursor = o.state.cursor;
    this.writtenSeenFrom = o.state.seenFrom;
    this.committedAt = o.clock.now();
  }

  get state(): EnterpriseState {
    return this.o.state;
  }

  /** Saves the state with the cursor (and seenFrom) as far as written, after an fsync of the file. */
  async commit(): Promise<void> {
    const mark = await this.o.file.mark();
    const next = {
      ...this.o.state,
      cursor: this.writtenCursor,
      ...(this.writtenSeenFrom === undefined ? {} : { seenFrom: this.writtenSeenFrom }),
      file: mark,
    };
    await saveState(this.o.dataDir, next, this.o.seen.json());
    Object.assign(this.o.state, next);
  }

  /** Appends a slice in the background; the caller settles it before touching the window again. */
  append(s: SliceLines): void {
    this.sinceCommit += s.written;
    const commitNow =
      this.sinceCommit >= COMMIT_EVERY || this.o.clock.now() - this.committedAt >= COMMIT_MS;
    this.pending = (async () => {
      const { rotated } = await this.o.file.write(s.lines);
      const t = this.totals;
      t.fetched += s.count + s.repeats;
      t.duplicates += s.count - s.written - s.filtered + s.repeats;
      t.filtered += s.filtered;
      t.written += s.written;
      t.pages += s.pages;
      this.writtenCursor = s.cursor;
      this.writtenSeenFrom = s.seenFrom;
      this.o.onWritten?.(s.written, s.cursor);
      // Written but not committed: a crash now leaves complete lines that the next start adopts.
      if (commitNow || rotated) {
        await this.commit();
        this.sinceCommit = 0;
        this.committedAt = this.o.clock.now();
      }
      this.o.log.debug(
        {
          event: "slice-written",
          sliceEnd: iso(s.sliceEnd),
          written: s.written,
          pages: s.pages,
          committed: commitNow || rotated,
        },
        "slice written",
      );
    })();
    this.pending.catch(() => {}); // awaited by settle(); never unhandled meanwhile
  }

  /** Waits for the slice being written; throws here if it could not be written or committed. */
  async settle(): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    await p;
  }

  /** The run went through: record it and commit the cursor as far as written. */
  async succeed(startedAt: number): Promise<void> {
    await this.settle();
    const now = this.o.clock.now();
    Object.assign(this.o.state, {
      lastRun: runRecord(startedAt, now, true, this.totals),
      lastSuccessAt: iso(now),
      lastError: null,
    });
    await this.commit();
  }

  /**
   * The run failed: slices written before a failure elsewhere (the VCO, a signal) are complete, so
   * they are committed. After a failed write or fsync the file refuses to be marked
   * (NdjsonFile.failed) and only the run record is saved: part of a slice can be in the file, and
   * the next start's reconcile sees it.
   */
  async fail(startedAt: number, message: string): Promise<void> {
    // A write still under way finishes first: it is progress, and a commit writes the same file.
    await this.settle().catch(() => {});
    const now = this.o.clock.now();
    this.o.state.lastRun = runRecord(startedAt, now, false, this.totals, message);
    this.o.state.lastError = { at: iso(now), message };
    const saved = await this.commit().then(
      () => true,
      () => false,
    );
    if (!saved) {
      // The window in memory may hold keys of lines that never reached the file: the one saved
      // with the cursor goes back as it was.
      const { dataDir, state } = this.o;
      const last = new SeenWindow();
      await loadState(dataDir, refOf(state), last)
        .then(() => saveState(dataDir, { ...state, seen: [] }, last.json()))
        .catch(() => {});
    }
  }
}

function runRecord(start: number, end: number, ok: boolean, t: Totals, error?: string): RunRecord {
  const { filtered, ...rest } = t;
  return {
    startedAt: iso(start),
    finishedAt: iso(end),
    ok,
    ...rest,
    ...(filtered ? { filtered } : {}),
    ...(error ? { error } : {}),
  };
}
