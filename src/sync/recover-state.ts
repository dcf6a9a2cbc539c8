import { SeenWindow } from "../dedupe/seen-window.js";
import { ConfigError } from "../errors.js";
import type { Logger } from "../logger.js";
import { reconcile } from "../sink/recover.js";
import { loadState, type EnterpriseState, type StateRef } from "../store/state.js";
import { iso } from "../time.js";
import { eventKey } from "../vco/event-key.js";
import { CLOCK_RESOLUTION_MS } from "../vco/vco-clock.js";

export interface Recovered {
  /** The last committed state, if any; its seen window is `seen` (not kept twice). */
  saved: EnterpriseState | undefined;
  /** Where this run starts from: the committed cursor, or one rebuilt from the file. */
  cursor: number | null;
  /** Keys written at or after seenFrom, including lines adopted from an interrupted run. */
  seen: SeenWindow;
  /**
   * `seen` holds every event written with eventTime at or after this, and it is at or before the
   * cursor; null without a cursor (nothing was written).
   */
  seenFrom: number | null;
  /** Nothing to commit before the run: the state on disk already says all of the above. */
  asSaved: boolean;
}

/**
 * Where an enterprise stands before a run: its committed state, squared with what events.json
 * holds now (lines after the last commit, a rotation, a copytruncate) and with the orchestrator's
 * clock (a cursor in its future is pulled back). Everything it finds is logged once.
 */
export async function recoverState(o: {
  dataDir: string;
  vco: string;
  /** Whose state: an enterprise id, or the partner or operator stream. */
  ref: StateRef;
  /** How messages name it: "enterprise 12", "the partner stream". */
  label?: string;
  /** Its name and folder now (an enterprise may have been renamed since the last run). */
  name: string;
  folder: string;
  overlapMs: number;
  vcoNow: number;
  log: Logger;
}): Promise<Recovered> {
  const { log } = o;
  const seen = new SeenWindow();
  const saved = await loadState(o.dataDir, o.ref, seen);
  if (saved && saved.vco !== o.vco) {
    const label = o.label ?? `enterprise ${String(o.ref)}`;
    throw new ConfigError(
      `data dir ${o.dataDir} holds the cursor of ${label} on ${saved.vco}, not ` +
        `${o.vco}: use a separate VCO_DATA_DIR for each orchestrator`,
    );
  }
  let cursor = saved?.cursor ?? null;
  // A state saved before seenFrom existed was pruned at its run's cursor minus VCO_OVERLAP, which
  // it does not record: taken as today's, so the first run after the upgrade re-reads what the
  // older version would have and loses nothing. If VCO_OVERLAP was widened along with the upgrade,
  // events between the old and the new reach are written again, once (their keys let a SIEM drop
  // them): a double is the lesser harm, as for a cursor pulled back from the VCO's future.
  let seenFrom = cursor === null ? null : (saved?.seenFrom ?? cursor - o.overlapMs);
  // Lines written after the last commit with eventTime >= seenFrom go into the window with it.
  const recovered = await reconcile(
    o.dataDir,
    saved?.folder ?? o.folder,
    saved?.file ?? null,
    seenFrom,
    o.overlapMs,
    eventKey,
  );
  for (const [key, time] of recovered.events) seen.add(key, time);
  if (cursor === null && recovered.events.length > 0) {
    cursor = seen.newest ?? null;
    // reconcile kept the keys within the overlap of the newest line.
    seenFrom = cursor === null ? null : cursor - o.overlapMs;
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
  cursor = pullBackFromFuture(cursor, seen, o.vcoNow, log);
  // A cursor pulled back below seenFrom: what is written from it on is remembered from it on.
  if (cursor !== null && seenFrom !== null) seenFrom = Math.min(seenFrom, cursor);
  if (saved && saved.folder !== o.folder) {
    log.info(
      { event: "enterprise-renamed", from: saved.folder, to: o.folder },
      "enterprise renamed; new events go to the new folder",
    );
  }
  const asSaved =
    saved !== undefined &&
    recovered.change === "none" &&
    saved.file !== null &&
    saved.cursor === cursor &&
    saved.seenFrom === seenFrom &&
    saved.folder === o.folder &&
    saved.enterpriseName === o.name;
  return { saved, cursor, seen, seenFrom, asSaved };
}

/**
 * A cursor ahead of the orchestrator's now was set by a run that trusted our clock over the VCO's
 * (an older version, or the VCO's clock was set back since). Events after the last one written may
 * not have been asked for, so the cursor goes back there: nothing is lost, at the price of a few
 * events perhaps written twice (their keys let a SIEM drop them).
 */
export function pullBackFromFuture(
  cursor: number | null,
  seen: SeenWindow,
  vcoNow: number,
  log: Logger,
): number | null {
  // Within the estimate's resolution, a cursor is not ahead: it came from an estimate as good.
  if (cursor === null || cursor <= vcoNow + CLOCK_RESOLUTION_MS) return cursor;
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
