import fs from "node:fs";
import path from "node:path";
import { createLogger, type Logger } from "../../src/logger.js";
import type { TriggerFactory } from "../../src/scheduler/trigger.js";

/** A logger whose JSON lines the test can read. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger("debug", {
    write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>),
  });
  return { logger, lines };
}

/** Ticks fired by the test instead of the clock. */
export function handTrigger(): {
  factory: TriggerFactory;
  tick(schedule: string): void;
  stops: () => number;
} {
  const ticks = new Map<string, () => void>();
  let stops = 0;
  return {
    factory: (schedule, onTick) => {
      ticks.set(schedule, onTick);
      return { stop: () => void stops++, nextRun: () => null };
    },
    tick: (schedule) => ticks.get(schedule)?.(),
    stops: () => stops,
  };
}

/** How long the job of writeJob takes to tidy up after a SIGTERM. */
export const TIDY_MS = 200;

/**
 * A job as a real process: appends "<pid> start <MARK>" to `out`, works for `ms`, then appends
 * "<pid> end". On SIGTERM it appends "<pid> term", takes TIDY_MS to tidy up, appends
 * "<pid> tidy" and exits 75, like `vco-events fetch` stopping at a commit point.
 */
export function writeJob(dir: string): string {
  const file = path.join(dir, "job.mjs");
  fs.writeFileSync(
    file,
    `import fs from "node:fs";
const [out, ms] = process.argv.slice(2);
const say = (w) => fs.appendFileSync(out, process.pid + " " + w + "\\n");
let work;
// The handler first: a SIGTERM right after "start" must not find the default action (death).
process.on("SIGTERM", () => {
  clearTimeout(work);
  say("term");
  setTimeout(() => { say("tidy"); process.exit(75); }, ${TIDY_MS});
});
say("start " + (process.env.MARK ?? "-"));
work = setTimeout(() => say("end"), Number(ms));
`,
  );
  return file;
}

export function readWords(file: string): string[][] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" "));
}
