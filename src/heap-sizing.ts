import v8 from "node:v8";

/**
 * V8 settings for long runs, set from inside the process since `fetch` and `forward` are started
 * by cron, compose or npx with no say over Node's options. Each flag is read by V8 when it sizes a
 * space, so it takes effect after start-up (unlike --max-semi-space-size). A runtime without the
 * flag keeps its default sizing.
 */
function setV8Flag(flag: string): void {
  try {
    v8.setFlagsFromString(flag);
  } catch {
    /* a runtime without the flag: the default sizing */
  }
}

/**
 * Keeps V8's young generation at the size it has when the command starts (loading the modules has
 * grown it from 1 to 8 MiB a semi-space by then). Left to itself, V8 doubles it up to 16 MiB a
 * semi-space once enough has survived collections, which any long run reaches (a big backfill, a
 * thousand enterprises): 30 MiB of peak RSS that a short run never pays.
 * Collections of the small space are more frequent and each as cheap; CPU time measured the same
 * (docs/bench.md). With optimizeHeapForSize, full collections shrink it further.
 */
export function keepYoungGenerationSmall(): void {
  setV8Flag("--semi-space-growth-factor=1");
}

/**
 * Has V8 collect its old generation once it has grown by half over what the last collection left
 * (V8 still lets it grow by a few megabytes at least), instead of by up to four times that. Each
 * enterprise of a run promotes its request, reply and commit, which wait on the VCO and on fsync
 * through a young-generation collection or two, and they die there: left to itself, V8 let its
 * heap grow from 23 to 85 MiB during a quiet run over 3 × 2,000 enterprises without one full
 * collection, so the peak grew with the fleet. V8 still collects incrementally and concurrently;
 * quiet runs and backfills took the same CPU time with it (docs/bench.md).
 */
export function collectOldGenerationSooner(): void {
  setV8Flag("--heap-growing-percent=50");
}

/**
 * Has V8 favour memory over speed when it sizes the heap, as it does for a tab in the background:
 * after each full collection the old generation may grow by 2 MiB over what survived instead of
 * 8, incremental marking starts sooner, fragmented pages are compacted more readily, the young
 * generation shrinks back to its smallest, and the number-to-string cache stays small. V8 reads it
 * at each decision, so it takes effect after start-up (the semi-space size it also implies is
 * fixed at start-up and stays as it is). A dense backfill promotes a steady trickle of short-lived
 * objects, and its old generation grew by the full step before each collection: with this, 92 MiB
 * at the peak instead of 96-103, and no slower (docs/bench.md).
 *
 * For a fetch with no sink to deliver to only. Delivery allocates several kilobytes per event
 * (each line parsed and formatted for the SIEM) and needs the young generation it had: with this
 * it sent a third fewer events a second, and turned off for the delivery the small young
 * generation stayed. A fetch that delivers peaks in its delivery, above what the fetch needs.
 */
export function optimizeHeapForSize(): void {
  setV8Flag("--optimize-for-size");
}
