// The `clock` step: how far the orchestrator's clock is from ours, from the Date headers of the
// replies the earlier steps got. Cursors follow the VCO's clock, so a gap loses nothing; it is
// still worth a warning, because one of the two machines is wrong about the time.
import { formatDuration } from "../time.js";
import type { VcoClock } from "../vco/vco-clock.js";
import { CLOCK_WARN_MS } from "../vco/vco-clock.js";
import { pass, warn, type Outcome } from "./report.js";

/** Date headers have one-second resolution: a difference below this is noise. */
const RESOLUTION_MS = 2_000;

export function checkClock(vcoClock: VcoClock): Outcome {
  const m = vcoClock.measured;
  if (!m) {
    return warn(
      "not measured: the orchestrator's replies carry no Date header",
      "make sure this machine's clock is right (NTP)",
    );
  }
  const gap = Math.abs(m.offsetMs);
  const side = m.offsetMs < 0 ? "behind" : "ahead of";
  if (gap > CLOCK_WARN_MS) {
    return warn(
      `the orchestrator's clock is ${formatDuration(gap)} ${side} ours; cursors follow the ` +
        "orchestrator's clock, so nothing is lost",
      "fix NTP on whichever machine is wrong",
    );
  }
  if (gap < RESOLUTION_MS) return pass("the orchestrator's clock agrees with ours (within 2s)");
  return pass(`the orchestrator's clock is ${formatDuration(gap)} ${side} ours (under a minute)`);
}
