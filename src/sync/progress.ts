import type { Logger } from "../logger.js";
import { formatDuration, iso, type Clock } from "../time.js";

/** A terminal to draw on (stderr when it is a TTY). */
export interface ProgressOutput {
  write(text: string): unknown;
}

export interface ProgressOptions {
  clock: Clock;
  logger: Logger;
  /** Draw live lines here; undefined (not a terminal) draws nothing. */
  output?: ProgressOutput | undefined;
  /** How often a long run logs where it has got (VCO_PROGRESS_INTERVAL). */
  logEveryMs?: number;
  /** How long a run goes before the terminal shows anything: a quiet cron run shows nothing. */
  showAfterMs?: number;
  vcoNow?: () => number;
}

/** One enterprise's walk through its window, as the sync reports it. */
export interface Tracker {
  begin(windowStart: number, windowEnd: number): void;
  /** `written` more events; the cursor has reached `reached` (VCO time). */
  advance(written: number, reached: number): void;
  end(): void;
}

interface Walk {
  name: string;
  start: number;
  end: number;
  reached: number;
  written: number;
  startedAt: number;
  active: boolean;
}

/**
 * Where a long run has got: a live line per enterprise on a terminal (events written, the day the
 * walk has reached, rate and ETA), and an info log line every `logEveryMs` while it runs. The timer
 * is unref'd, so it never keeps a finished run alive.
 */
export class Progress {
  private readonly walks: Walk[] = [];
  private readonly startedAt: number;
  private lastLog: number;
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly logEveryMs: number;
  private readonly showAfterMs: number;

  constructor(private readonly o: ProgressOptions) {
    this.startedAt = o.clock.now();
    this.lastLog = this.startedAt;
    this.logEveryMs = o.logEveryMs ?? 30_000;
    this.showAfterMs = o.showAfterMs ?? 2_000;
    const tickMs = Math.min(1_000, this.logEveryMs);
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  track(name: string): Tracker {
    const walk: Walk = {
      name,
      start: 0,
      end: 0,
      reached: 0,
      written: 0,
      startedAt: this.o.clock.now(),
      active: false,
    };
    this.walks.push(walk);
    return {
      begin: (start, end) => {
        Object.assign(walk, { start, end, reached: start, active: true });
        walk.startedAt = this.o.clock.now();
      },
      advance: (written, reached) => {
        walk.written += written;
        walk.reached = Math.max(walk.reached, Math.min(reached, walk.end));
      },
      end: () => {
        // Forgotten, not kept as done: a run over thousands of enterprises keeps only those under way.
        walk.active = false;
        const i = this.walks.indexOf(walk);
        if (i >= 0) this.walks.splice(i, 1);
      },
    };
  }

  /** Erase the live lines; the run's summary is in the log. */
  stop(): void {
    clearInterval(this.timer);
    this.erase();
  }

  private tick(): void {
    const now = this.o.clock.now();
    const active = this.walks.filter((w) => w.active);
    if (now - this.lastLog >= this.logEveryMs && active.length > 0) {
      this.lastLog = now;
      for (const w of active) {
        const s = stats(w, now);
        this.o.logger.info(
          {
            event: "progress",
            enterprise: w.name,
            written: w.written,
            reached: iso(w.reached),
            percent: Math.floor(s.fraction * 100),
            perSecond: Math.round(s.rate),
            etaSeconds: s.etaMs === undefined ? null : Math.round(s.etaMs / 1000),
          },
          `${w.name}: ${w.written} events written, reached ${iso(w.reached)} (${Math.floor(s.fraction * 100)}%)`,
        );
      }
    }
    if (this.o.output && now - this.startedAt >= this.showAfterMs) this.draw(active, now);
  }

  private draw(active: Walk[], now: number): void {
    this.erase();
    const lines = active.map((w) => line(w, stats(w, now)));
    if (lines.length === 0) return;
    this.o.output!.write(`${lines.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
    this.drawn = lines.length;
  }

  private erase(): void {
    if (!this.o.output || this.drawn === 0) return;
    this.o.output.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }
}

function stats(w: Walk, now: number): { fraction: number; rate: number; etaMs?: number } {
  const span = Math.max(1, w.end - w.start);
  const fraction = Math.min(1, Math.max(0, (w.reached - w.start) / span));
  const elapsed = Math.max(1, now - w.startedAt);
  const rate = (w.written * 1000) / elapsed;
  const etaMs = fraction > 0.01 ? (elapsed * (1 - fraction)) / fraction : undefined;
  return etaMs === undefined ? { fraction, rate } : { fraction, rate, etaMs };
}

function line(w: Walk, s: { fraction: number; rate: number; etaMs?: number }): string {
  const day = iso(w.reached).slice(0, 10);
  const eta = s.etaMs === undefined ? "" : `, ETA ${formatDuration(s.etaMs)}`;
  return (
    `${w.name}: ${w.written.toLocaleString("en-US")} events, at ${day} ` +
    `(${Math.floor(s.fraction * 100)}%), ${Math.round(s.rate).toLocaleString("en-US")}/s${eta}`
  );
}
