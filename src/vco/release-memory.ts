import v8 from "node:v8";
import vm from "node:vm";

type Collect = (options?: { type: "minor" | "major" }) => void;

/** A young-generation collection after this many bytes of event replies, about one full page. */
const MINOR_EVERY = 512 << 10;
/** A full collection after this many. */
const FULL_EVERY = 48 << 20;

/**
 * Garbage collection while a large backfill reads its replies, so that the peak stays flat (see
 * docs/bench.md). Reading a reply leaves the socket's read buffers behind, about the reply's size,
 * and V8 does not count them towards a young-generation collection: left to itself it lets them
 * pile up by tens of megabytes. A young-generation collection after each page's worth of replies
 * costs well under a millisecond and frees them while they are young; a full one every FULL_EVERY
 * bytes (about 10 ms) frees what got promoted and shrinks the heap back. Driven by bytes, not
 * replies, so that a quiet run's small replies (a few per enterprise) add up to a collection only
 * now and then. One per client: the fetch command's.
 */
export class MemoryReleaser {
  private collect: Collect | null | undefined;
  private sinceMinor = 0;
  private sinceFull = 0;

  /** After an event reply of `bytes` is read. */
  afterReply(bytes: number): void {
    this.sinceMinor += bytes;
    if (this.sinceMinor < MINOR_EVERY) return;
    this.sinceFull += this.sinceMinor;
    this.sinceMinor = 0;
    if (this.collect === undefined) {
      // Kept as the bench needs it: without, 1M events peak at ~160 MiB, not ~100 (docs/bench.md).
      try {
        v8.setFlagsFromString("--expose-gc");
        this.collect = vm.runInNewContext("gc") as Collect;
      } catch {
        this.collect = null;
      }
    }
    if (this.sinceFull >= FULL_EVERY) {
      this.sinceFull = 0;
      this.collect?.();
    } else this.collect?.({ type: "minor" });
  }
}
