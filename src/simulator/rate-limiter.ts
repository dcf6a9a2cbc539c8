/**
 * The VCO's two limits, per client: a cap on concurrent requests and a leaky bucket over a 5 s
 * window. Breaking either earns a penalty during which every request is answered 429.
 */
export interface RateLimitOptions {
  /** Requests allowed per window; 0 turns the bucket off. */
  requestsPerWindow: number;
  windowMs: number;
  /** Concurrent requests allowed; 0 turns the cap off. */
  maxConcurrent: number;
  penaltyMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  requestsPerWindow: 0,
  windowMs: 5_000,
  maxConcurrent: 0,
  penaltyMs: 5_000,
};

interface ClientState {
  level: number;
  updatedAt: number;
  inFlight: number;
  penaltyUntil: number;
}

export class RateLimiter {
  private readonly clients = new Map<string, ClientState>();

  constructor(public options: RateLimitOptions) {}

  /** Admit a request, or return how long the client is penalised for. */
  admit(
    client: string,
    now: number,
  ): { ok: true; done: () => void } | { ok: false; retryAfterMs: number } {
    const o = this.options;
    const c = this.clients.get(client) ?? {
      level: 0,
      updatedAt: now,
      inFlight: 0,
      penaltyUntil: 0,
    };
    this.clients.set(client, c);
    if (now < c.penaltyUntil) return { ok: false, retryAfterMs: c.penaltyUntil - now };
    if (o.requestsPerWindow > 0) {
      const drained = ((now - c.updatedAt) / o.windowMs) * o.requestsPerWindow;
      c.level = Math.max(0, c.level - drained);
      c.updatedAt = now;
    }
    const overBucket = o.requestsPerWindow > 0 && c.level + 1 > o.requestsPerWindow;
    const overConcurrency = o.maxConcurrent > 0 && c.inFlight + 1 > o.maxConcurrent;
    if (overBucket || overConcurrency) {
      c.penaltyUntil = now + o.penaltyMs;
      return { ok: false, retryAfterMs: o.penaltyMs };
    }
    c.level += 1;
    c.inFlight += 1;
    let done = false;
    return {
      ok: true,
      done: () => {
        if (!done) c.inFlight -= 1;
        done = true;
      },
    };
  }
}
