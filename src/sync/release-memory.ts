import v8 from "node:v8";
import vm from "node:vm";

type Collect = (options?: { type: "minor" | "major" }) => void;
let collect: Collect | null | undefined;
let slices = 0;

/** A full collection after this many slices; a young-generation one after every other slice. */
const FULL_EVERY = 24;

/**
 * Garbage collection between the slices of a large backfill, so that the peak stays flat (see
 * docs/bench.md). Left to itself, V8 lets the buffers the HTTP layer leaves behind pile up by
 * tens of megabytes before it collects them, and grows its young generation as a backlog goes on.
 * A young-generation collection after each slice costs well under a millisecond and frees those
 * buffers while they are young; a full one every FULL_EVERY slices (about 10 ms) frees what got
 * promoted and shrinks the heap back. Collecting fully after every slice kept the peak as flat
 * but cost a quarter of the run.
 */
export function releaseMemory(): void {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString("--expose-gc");
      collect = vm.runInNewContext("gc") as Collect;
    } catch {
      collect = null;
    }
  }
  if (++slices % FULL_EVERY === 0) collect?.();
  else collect?.({ type: "minor" });
}
