import v8 from "node:v8";
import vm from "node:vm";

type Collect = (options?: { type: "minor" | "major" }) => void;

/** A full collection after this many slices; a young-generation one after every other slice. */
const FULL_EVERY = 24;

/**
 * Garbage collection between the slices of a large backfill, so that the peak stays flat (see
 * docs/bench.md). Left to itself, V8 lets the buffers the HTTP layer leaves behind pile up by
 * tens of megabytes before it collects them, and grows its young generation as a backlog goes on.
 * A young-generation collection after each slice costs well under a millisecond and frees those
 * buffers while they are young; a full one every FULL_EVERY slices (about 10 ms) frees what got
 * promoted and shrinks the heap back. Collecting fully after every slice kept the peak as flat
 * but cost a quarter of the run. One per run (the fetch command's), counting the slices of all
 * its enterprises.
 */
export class MemoryReleaser {
  private collect: Collect | null | undefined;
  private slices = 0;

  /** After a slice of more than one page is handed over. */
  afterSlice(): void {
    if (this.collect === undefined) {
      // Kept as the bench needs it: without, 1M events peak at ~160 MiB, not ~100 (docs/bench.md).
      try {
        v8.setFlagsFromString("--expose-gc");
        this.collect = vm.runInNewContext("gc") as Collect;
      } catch {
        this.collect = null;
      }
    }
    if (++this.slices % FULL_EVERY === 0) this.collect?.();
    else this.collect?.({ type: "minor" });
  }
}
