// Across runs; repeats within one query are repeat-index.ts.
/**
 * Keys of events already written whose eventTime is inside the overlap window. The VCO can publish
 * an event minutes after its eventTime, so each run re-reads that window and drops what is here.
 * Older keys are pruned, so memory follows the window, not the backlog.
 */
export class SeenWindow {
  private readonly times = new Map<string, number>();
  private oldest = Number.POSITIVE_INFINITY;
  private latest = Number.NEGATIVE_INFINITY;
  /** Whether keys were added in eventTime order, so pruning can stop at the first one it keeps. */
  private ordered = true;

  constructor(entries: Iterable<readonly [string, number]> = []) {
    for (const [key, time] of entries) this.add(key, time);
  }

  has(key: string): boolean {
    return this.times.has(key);
  }

  /**
   * Whether an event of this time could be here at all. Cheap, and false for nearly every event of
   * a backfill, whose slices only move forward: the key is not even built then.
   */
  mayHold(time: number): boolean {
    return time >= this.oldest && time <= this.latest;
  }

  add(key: string, time: number): void {
    if (time < this.latest || this.times.has(key)) this.ordered = false;
    if (time < this.oldest) this.oldest = time;
    if (time > this.latest) this.latest = time;
    this.times.set(key, time);
  }

  get size(): number {
    return this.times.size;
  }

  get newest(): number | undefined {
    return this.times.size > 0 ? this.latest : undefined;
  }

  /** Forget events older than `before`: no query will reach back that far again. */
  prune(before: number): void {
    if (before <= this.oldest) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [key, time] of this.times) {
      if (time < before) this.times.delete(key);
      else if (this.ordered) {
        oldest = time;
        break;
      } else if (time < oldest) oldest = time;
    }
    this.oldest = oldest;
    if (this.times.size === 0) {
      this.latest = Number.NEGATIVE_INFINITY;
      this.ordered = true;
    }
  }

  toJSON(): Array<[string, number]> {
    return [...this.times];
  }
}
