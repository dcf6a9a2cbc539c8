// The model of `vco-events check`: a fixed list of steps, each ending as one line a person can act
// on. Failures keep their typed error, so the exit code comes from the same policy as every other
// command (exit-codes.ts), not from a second table here.
import { RunFailedError } from "../errors.js";

export const STEPS = [
  "config",
  "network",
  "tls",
  "credential",
  "enterprises",
  "events",
  "streams",
  "clock",
  "data dir",
] as const;
export type StepName = (typeof STEPS)[number];
export type Status = "pass" | "warn" | "fail" | "skip";

export interface StepResult {
  step: StepName;
  status: Status;
  detail: string;
  fix?: string;
}

export interface CheckReport {
  ok: boolean;
  steps: StepResult[];
}

/** What a step found. A failure carries the typed error(s) that decide the exit code. */
export interface Outcome {
  status: Exclude<Status, "skip">;
  detail: string;
  fix?: string | undefined;
  errors?: unknown[];
}

export const pass = (detail: string): Outcome => ({ status: "pass", detail });
export const warn = (detail: string, fix: string): Outcome => ({ status: "warn", detail, fix });
export const fail = (error: unknown, detail: string, fix: string): Outcome => ({
  status: "fail",
  detail,
  fix,
  errors: [error],
});

const RANK: Record<Outcome["status"], number> = { pass: 0, warn: 1, fail: 2 };

/** Several findings of one step as one line: the worst status, every detail, every fix. */
export function combine(prefix: string, parts: Outcome[]): Outcome {
  const worst = parts.reduce<Outcome["status"]>(
    (w, p) => (RANK[p.status] > RANK[w] ? p.status : w),
    "pass",
  );
  // The fix for a failure comes first: it is the one that matters.
  const fixes = parts
    .filter((p) => p.status !== "pass" && p.fix)
    .sort((a, b) => RANK[b.status] - RANK[a.status])
    .map((p) => p.fix!);
  return {
    status: worst,
    detail: `${prefix}${parts.map((p) => p.detail).join(", ")}`,
    ...(fixes.length ? { fix: fixes.join("; ") } : {}),
    errors: parts.flatMap((p) => p.errors ?? []),
  };
}

export class Report {
  readonly steps: StepResult[] = [];
  readonly failures: unknown[] = [];

  /** `onStep` sees each line as soon as it is decided: a slow step never hides the earlier ones. */
  constructor(private readonly onStep?: (s: StepResult) => void) {}

  add(step: StepName, o: Outcome): Outcome {
    // One line each, whatever a message from a server looked like.
    const line = (t: string) => t.replace(/\s*[\r\n]+\s*/g, " ").trim();
    const result: StepResult = { step, status: o.status, detail: line(o.detail) };
    if (o.fix && o.status !== "pass") result.fix = line(o.fix);
    this.steps.push(result);
    this.failures.push(...(o.errors ?? []));
    this.onStep?.(result);
    return o;
  }

  /** Every step not reported yet, up to (not including) `until`, as "skipped: <reason>". */
  skipUntil(until: StepName | undefined, reason: string): void {
    const done = new Set(this.steps.map((s) => s.step));
    const end = until === undefined ? STEPS.length : STEPS.indexOf(until);
    for (const step of STEPS.slice(0, end)) {
      if (done.has(step)) continue;
      const result: StepResult = { step, status: "skip", detail: `skipped: ${reason}` };
      this.steps.push(result);
      this.onStep?.(result);
    }
  }

  toJSON(): CheckReport {
    return { ok: this.failures.length === 0, steps: this.steps };
  }
}

const MARK: Record<Status, string> = { pass: "ok", warn: "warn", fail: "FAIL", skip: "skip" };
const NAME_WIDTH = Math.max(...STEPS.map((s) => s.length));

export function renderLine(s: StepResult): string {
  const fix = s.fix ? ` -> fix: ${s.fix}` : "";
  return `${MARK[s.status].padEnd(4)}  ${s.step.padEnd(NAME_WIDTH)}  ${s.detail}${fix}\n`;
}

export function renderSummary(r: CheckReport): string {
  const count = (st: Status) => r.steps.filter((s) => s.status === st).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const [fails, warns, skips] = [count("fail"), count("warn"), count("skip")];
  if (fails > 0) {
    const skipped = skips ? `, ${plural(skips, "step")} skipped` : "";
    return `\n${plural(fails, "problem")} to fix (FAIL above)${warns ? `, ${plural(warns, "warning")}` : ""}${skipped}.\n`;
  }
  if (warns > 0) return `\nThe setup works, with ${plural(warns, "warning")} (warn above).\n`;
  return "\nThe setup works: every check passed. Next: vco-events fetch\n";
}

/**
 * The end of a check that found problems: a RunFailedError, so exitCodeFor() picks the most serious
 * failure, with a short message (the lines above already said what each one was).
 */
export class CheckFailedError extends RunFailedError {
  constructor(failures: unknown[], problems: number, where = "above") {
    super(failures);
    this.message = `check found ${problems} problem${problems === 1 ? "" : "s"} (see ${where})`;
  }
}
