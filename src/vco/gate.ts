import type { Clock } from "../time.js";

/**
 * One gate per VCO, shared by every enterprise in a run: at most `maxInFlight` requests at once,
 * and after a 429 everyone waits out the penalty, because the VCO penalises the client, not a call.
 */
export class RequestGate {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private pausedUntil = 0;

  constructor(
    private readonly maxInFlight: number,
    private readonly clock: Clock,
    private readonly signal?: AbortSignal,
    /**
     * A bound shared with other VCOs' gates (VCO_TOTAL_IN_FLIGHT), entered after this one's slot
     * and 429 pause, so a paused VCO holds none of the shared slots.
     */
    private readonly outer?: RequestGate,
  ) {}

  penalize(untilMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.maxInFlight) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.inFlight++;
    }
    try {
      for (
        let now = this.clock.now();
        now < this.pausedUntil && !this.signal?.aborted;
        now = this.clock.now()
      ) {
        await this.clock.sleep(this.pausedUntil - now, this.signal);
      }
      return await (this.outer ? this.outer.run(fn) : fn());
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }
}
