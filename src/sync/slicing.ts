import { PAGE_LIMIT } from "../vco/events.js";

/**
 * A backlog is walked oldest first in time slices that each hold about this many events, so a
 * slice is fetched and written with bounded memory. A little under three full pages: a slice's
 * length is estimated from the last one, and aiming at exactly three pages sent about half of the
 * slices onto a fourth, nearly empty page (15% more requests than events need).
 */
export const TARGET_PER_SLICE = Math.floor(2.85 * PAGE_LIMIT);
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
