// Durations and points in time as people type them: "45m", "2h", "7d", or an ISO 8601 instant.

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** "90s", "15m", "2h", "7d", "1w" (or a bare number of seconds) to milliseconds; undefined if unreadable. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = UNITS[(m[2] ?? "s").toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** A duration with an optional sign: "-40m", "+6h", "90s". */
export function parseSignedDuration(text: string): number | undefined {
  const m = /^\s*([+-]?)\s*(.*)$/.exec(text);
  const ms = parseDuration(m?.[2] ?? "");
  return ms === undefined ? undefined : m?.[1] === "-" ? -ms : ms;
}

/** A start time: ISO 8601 ("2024-05-01T00:00:00Z", "2024-05-01") or a lookback ("2h", "7d") from now. */
export function parseSince(text: string, now: number): number | undefined {
  const lookback = parseDuration(text);
  if (lookback !== undefined) return now - lookback;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return "0s";
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.round(h / 24)}d`;
}

export const iso = (t: number): string => new Date(t).toISOString();

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: abortableSleep,
};

/**
 * A wait that a stop request ends at once, and that leaves nothing behind when it does: an armed
 * timer would keep the process alive until it fired (as ky's delay, the timer and the listener go).
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
