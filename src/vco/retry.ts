// Retry timing as pure functions, so tests can check the schedule without waiting for it.

/** The VCO's documented 429 penalty when no Retry-After header says otherwise. */
export const RATE_LIMIT_PENALTY_MS = 5_000;

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: unknown, now: number): number | undefined {
  if (typeof header !== "string" || header.trim() === "") return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.min(Number(text) * 1000, 600_000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), 600_000);
}

/** Exponential backoff for 5xx and broken connections: 0.5 s, 1 s, 2 s ... capped at 30 s, with jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** How long to wait after a 429: the server's Retry-After if it sent one, else the documented penalty. */
export function rateLimitDelay(retryAfterHeader: unknown, now: number): number {
  return parseRetryAfter(retryAfterHeader, now) ?? RATE_LIMIT_PENALTY_MS;
}
