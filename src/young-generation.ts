import v8 from "node:v8";

/**
 * Keeps V8's young generation at its starting size (1 MiB a semi-space) for the rest of the
 * process. Left to itself, V8 doubles it up to 16 MiB a semi-space once enough has survived
 * collections, which any long run reaches (a big backfill, a thousand enterprises): 30 MiB of peak
 * RSS that a short run never pays. Collections of the small space are more frequent and each as
 * cheap; CPU time measured the same (docs/bench.md). The growth factor is read at every growth, so
 * unlike --max-semi-space-size it still takes effect after start-up.
 */
export function keepYoungGenerationSmall(): void {
  try {
    v8.setFlagsFromString("--semi-space-growth-factor=1");
  } catch {
    /* a runtime without the flag: the default sizing */
  }
}
