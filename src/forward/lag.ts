import fsp from "node:fs/promises";
import { parseEventTime } from "../vco/event-key.js";
import { loadSinkCursor } from "./cursor-store.js";
import { planFolder } from "./file-plan.js";
import { countLinesFrom } from "./line-reader.js";
import type { StreamFolder } from "./stream-folders.js";

export interface SinkLag {
  sink: string;
  /** Events in the files that this sink has not had confirmed yet. */
  pending: number;
  /** eventTime of the oldest of them (ISO 8601), or null when none is pending. */
  oldestPending: string | null;
  /** When the receiver last confirmed a batch. */
  deliveredAt: string | null;
}

/** How far a sink is behind the files: read from its cursor to the end of each file (no network). */
export async function sinkLag(
  dataDir: string,
  sink: string,
  folders: StreamFolder[],
): Promise<SinkLag> {
  const cursor = await loadSinkCursor(dataDir, sink);
  let pending = 0;
  let oldest = Number.POSITIVE_INFINITY;
  for (const folder of folders) {
    const plan = await planFolder(folder.abs, cursor?.files[folder.rel]);
    for (const seg of plan.segments) {
      const fh = await fsp.open(seg.file, "r").catch(() => undefined);
      if (!fh) continue;
      try {
        const { count, first } = await countLinesFrom(fh, seg.from);
        pending += count;
        // Files are oldest first within a run, so the first line holds the oldest event.
        const t = first && /"eventTime":"([^"]+)"/.exec(first)?.[1];
        const ms = t ? parseEventTime(t) : Number.NaN;
        if (!Number.isNaN(ms) && ms < oldest) oldest = ms;
      } finally {
        await fh.close();
      }
    }
  }
  return {
    sink,
    pending,
    oldestPending: pending > 0 && Number.isFinite(oldest) ? new Date(oldest).toISOString() : null,
    deliveredAt: cursor?.deliveredAt ?? null,
  };
}

/**
 * Behind by more than `maxAgeMs`: an event older than that is still unsent, and the receiver has
 * confirmed nothing for that long either (a sink draining a backfill of old events is not stale).
 */
export function isBehind(lag: SinkLag, now: number, maxAgeMs: number): boolean {
  if (lag.pending === 0 || lag.oldestPending === null) return false;
  const since = Math.max(
    Date.parse(lag.oldestPending),
    lag.deliveredAt ? Date.parse(lag.deliveredAt) : Number.NEGATIVE_INFINITY,
  );
  return now - since > maxAgeMs;
}
