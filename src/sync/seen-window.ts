/**
 * Keys of events already written whose eventTime is inside the overlap window. The VCO can publish
 * an event minutes after its eventTime, so each run re-reads that window and drops what is here.
 * Older keys are pruned, so memory follows the window, not the backlog.
 */
export class SeenWindow {
  private readonly times = new Map<string, number>();

  constructor(entries: Iterable<readonly [string, number]> = []) {
    for (const [key, time] of entries) this.add(key, time);
  }

  has(key: string): boolean {
    return this.times.has(key);
  }

  add(key: string, time: number): void {
    this.times.set(key, time);
  }

  get size(): number {
    return this.times.size;
  }

  get newest(): number | undefined {
    let newest: number | undefined;
    for (const t of this.times.values()) if (newest === undefined || t > newest) newest = t;
    return newest;
  }

  /** Forget events older than `before`: no query will reach back that far again. */
  prune(before: number): void {
    for (const [key, time] of this.times) if (time < before) this.times.delete(key);
  }

  toJSON(): Array<[string, number]> {
    return [...this.times];
  }
}
