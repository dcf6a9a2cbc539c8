import { PAGE_LIMIT } from "../vco/events.js";

/**
 * A backlog is walked oldest first in time slices that each hold about this many events, so a
 * slice is fetched, written and committed with bounded memory, and a crash or a give-up loses at
 * most one slice of progress. Eight full pages keep the partial last page of each slice cheap.
 */
export const TARGET_PER_SLICE = 8 * PAGE_LIMIT;
/** A slice that turns out to hold more than this is abandoned and walked in shorter slices. */
export const MAX_PER_SLICE = 2 * TARGET_PER_SLICE;
export const MIN_SLICE_MS = 1_000;

/**
 * From the newest page of the whole window: does the window fit in one slice, and if not, how long
 * should a slice be? `oldestOnPage` is the oldest eventTime on that full page.
 */
export function planFromProbe(
  start: number,
  end: number,
  oldestOnPage: number,
  target = TARGET_PER_SLICE,
): { oneSlice: true } | { oneSlice: false; sliceMs: number } {
  const span = Math.max(end - oldestOnPage, MIN_SLICE_MS);
  const estimate = (PAGE_LIMIT * (end - start + 1)) / span;
  if (estimate <= target) return { oneSlice: true };
  return { oneSlice: false, sliceMs: clampSlice((target * span) / PAGE_LIMIT, end - start) };
}

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
