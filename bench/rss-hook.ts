// Preloaded into a child with `node --import <this file>`: at exit it writes the process's peak
// resident set size (process.resourceUsage().maxRSS, KiB on Linux) to the file named by
// BENCH_RSS_FILE. This measures a spawned CLI's peak RSS without touching product code.
import { writeFileSync } from "node:fs";

const out = process.env.BENCH_RSS_FILE;
if (out) {
  process.on("exit", () => {
    try {
      writeFileSync(out, String(process.resourceUsage().maxRSS));
    } catch {
      /* the bench reports a missing figure as "?" */
    }
  });
}
