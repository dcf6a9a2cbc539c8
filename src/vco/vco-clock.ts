import type { Clock } from "../time.js";

/**
 * The orchestrator's idea of now. Its eventTimes are in its own time, so window ends and cursors
 * are too: a VCO 40 minutes behind us would otherwise get cursors 40 minutes in its future, and the
 * events of those 40 minutes would never be asked for.
 *
 * Every reply's Date header (RFC 9110: the origin's clock, one-second resolution) is a sample. Until
 * the first one arrives, the offset measured on an earlier run stands in.
 */
export class VcoClock {
  private measuredOffset: number | undefined;
  private measuredAt: number | undefined;

  constructor(
    private readonly local: Clock,
    /** Offset (VCO minus us, ms) remembered from an earlier run; 0 when there is none. */
    private readonly prior = 0,
  ) {}

  /** A reply's Date header, received at local time `receivedAt`. */
  observe(dateHeader: unknown, receivedAt = this.local.now()): void {
    if (typeof dateHeader !== "string") return;
    const at = Date.parse(dateHeader);
    if (Number.isNaN(at)) return;
    // The header is cut to the second and was written before we read it, so the VCO's now is at
    // least this: an estimate that can only lag keeps cursors out of the VCO's future.
    this.measuredOffset = at - receivedAt;
    this.measuredAt = receivedAt;
  }

  /** VCO time minus local time, in ms: positive when the VCO is ahead. */
  get offsetMs(): number {
    return this.measuredOffset ?? this.prior;
  }

  /** Whether this run has heard the VCO's clock itself (not only the remembered offset). */
  get measured(): { offsetMs: number; at: number } | undefined {
    return this.measuredOffset === undefined || this.measuredAt === undefined
      ? undefined
      : { offsetMs: this.measuredOffset, at: this.measuredAt };
  }

  now(): number {
    return this.local.now() + this.offsetMs;
  }
}

/** A clock difference worth a warning: beyond this, cursors would be wrong by more than noise. */
export const CLOCK_WARN_MS = 60_000;

/** How far the estimate can lag the VCO's real now: the Date header's second, and the wire. */
export const CLOCK_RESOLUTION_MS = 2_000;
