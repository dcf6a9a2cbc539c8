// Preloaded into a child with `node --import <this file>`: at exit it writes the process's peak
// resident set size, in KiB, to the file named by BENCH_RSS_FILE. This measures a spawned CLI's
// peak RSS without touching product code.
import { readFileSync, writeFileSync } from "node:fs";

/**
 * VmHWM is the peak of this program's own memory. getrusage's maxRSS is not: Linux carries the
 * high-water mark of the forked copy of the parent across exec, so a child of a bench process that
 * holds big simulators would report the parent's size.
 */
function peakKiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]);
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS;
}

const out = process.env.BENCH_RSS_FILE;
if (out) {
  process.on("exit", () => {
    try {
      writeFileSync(out, String(peakKiB()));
    } catch {
      /* the bench reports a missing figure as "?" */
    }
  });
}
