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

/**
 * How long the next slice should be, from what the slices so far found. Slices aim a little under
 * three pages, since the last page of each is partial; how far under follows how well the last
 * slices' counts were foreseen, so that steady events fill their pages and uneven ones keep
 * clear of a fourth, nearly empty page.
 */
export class SliceLength {
  ms: number;
  /** What the last events found suggest, and the empty time found since them. */
  private densityMs: number;
  private emptyMs = 0;
  /** Events per ms where events were last found (0 before any). */
  private perMs = 0;
  /** How far off the last few slices' counts were from what their length foresaw, relatively. */
  private readonly misses: number[] = [];

  constructor(private readonly windowMs: number) {
    this.ms = this.densityMs = windowMs;
  }

  /** A dense first page suggested this length for TARGET_PER_SLICE events. */
  dense(ms: number): void {
    this.ms = this.densityMs = ms;
    this.emptyMs = 0;
    this.perMs = TARGET_PER_SLICE / ms;
  }

  /** The events a slice of this length is expected to hold, when anything is known. */
  expect(lengthMs: number): number | undefined {
    return this.perMs > 0 ? this.perMs * lengthMs : undefined;
  }

  /**
   * A slice walked to its start found `count` events over `lengthMs`, and `expected` if it was
   * foreseen; `denseMs` is the time from its oldest event on, when that is the better measure.
   */
  found(lengthMs: number, count: number, expected?: number, denseMs = lengthMs): void {
    if (count === 0) {
      // Empty time says nothing of how dense what follows is: the next slices grow with the
      // empty time found since the last events, so a long quiet stretch takes a few requests.
      this.emptyMs += lengthMs;
    } else {
      this.emptyMs = 0;
      this.perMs = count / denseMs;
      if (expected !== undefined && expected > 0) {
        this.misses.push(Math.abs(count - expected) / expected);
        if (this.misses.length > 3) this.misses.shift();
      }
      this.densityMs = nextSliceMs(denseMs, count, this.windowMs, this.target());
    }
    this.ms = Math.max(this.densityMs, this.emptyMs);
  }

  /** Events to aim at: three pages less four times the worst recent miss; the default at least. */
  target(): number {
    if (this.misses.length < 3) return TARGET_PER_SLICE;
    const worst = Math.max(...this.misses);
    const aim = Math.floor(3 * PAGE_LIMIT * (1 - 4 * worst)) - 8;
    return Math.max(TARGET_PER_SLICE, aim);
  }
}
