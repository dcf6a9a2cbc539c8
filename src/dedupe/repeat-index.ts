// Dedupe has two halves, side by side here: within one query (this file: a page that repeats an
// event an earlier page gave) and across runs (seen-window.ts: the overlap re-read each run).
import type { EventBatch } from "../vco/event-batch.js";

/**
 * Keys of a query's events so far, by hash: a page that repeats an event an earlier page gave (new
 * events arrived mid-walk, or a legacy VCO re-asked from the oldest second) has it marked.
 */
export class RepeatIndex {
  private readonly batches: EventBatch[] = [];
  /** Key hash → position (batch number × 2^21 + index) of the first event with it, or of all. */
  private readonly byHash = new Map<number, number | number[]>();

  /** Marks the repeats in `batch` (the first copy wins) and returns how many there were. */
  mark(batch: EventBatch): number {
    const no = this.batches.push(batch) - 1;
    let count = 0;
    for (let i = 0; i < batch.count; i++) {
      const hash = batch.keyHash[i]!;
      const here = no * POSITION + i;
      const known = this.byHash.get(hash);
      if (known === undefined) {
        this.byHash.set(hash, here);
        continue;
      }
      const candidates = typeof known === "number" ? [known] : known;
      if (candidates.some((p) => this.at(p, batch, i))) {
        (batch.repeat ??= new Uint8Array(batch.count))[i] = 1;
        count++;
      } else if (typeof known === "number") this.byHash.set(hash, [known, here]);
      else known.push(here);
    }
    return count;
  }

  private at(position: number, batch: EventBatch, i: number): boolean {
    const other = this.batches[Math.floor(position / POSITION)]!;
    return other.sameKey(position % POSITION, batch, i);
  }
}

const POSITION = 2 ** 21;
