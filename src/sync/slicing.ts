import { PAGE_LIMIT } from "../vco/events.js";

/**
 * A backlog is walked oldest first in time slices that each hold about this many events, so a
 * slice is fetched, written and committed with bounded memory, and a crash or a give-up loses at
 * most one slice of progress. Three full pages keep the partial last page of each slice cheap
 * while a slice's lines stay small enough for a flat peak (see README, Benchmark).
 */
export const TARGET_PER_SLICE = 3 * PAGE_LIMIT;
/** A slice that turns out to hold more than this is abandoned and walked in shorter slices. */
export const MAX_PER_SLICE = 2 * TARGET_PER_SLICE;
export const MIN_SLICE_MS = 1_000;

/** The next slice's length from how many events the last one held. */
export function nextSliceMs(
  lastMs: number,
  lastCount: number,
  remainingMs: number,
  target = TARGET_PER_SLICE,
): number {
  const factor = lastCount === 0 ? 4 : Math.min(4, Math.max(0.25, target / lastCount));
  return clampSlice(lastMs * factor, remainingMs);
}

function clampSlice(ms: number, remainingMs: number): number {
  return Math.max(MIN_SLICE_MS, Math.min(Math.round(ms), Math.max(remainingMs, MIN_SLICE_MS)));
}
