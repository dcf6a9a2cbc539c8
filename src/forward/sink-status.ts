import { formatDuration } from "../time.js";
import { isBehind, sinkLag, type SinkLag } from "./lag.js";
import { findStreamFolders } from "./stream-folders.js";
import type { Sink } from "./targets.js";

export interface SinkStatus extends SinkLag {
  /** Seconds since the oldest pending event's eventTime, or null when none is pending. */
  oldestPendingAgeSeconds: number | null;
}

/** Each sink's lag behind the files of a data dir (or an orchestrator's subtree), for `status`. */
export async function sinkStatuses(
  sinks: Sink[],
  dataDir: string,
  now: number,
): Promise<SinkStatus[]> {
  if (sinks.length === 0) return [];
  const folders = await findStreamFolders(dataDir);
  const out: SinkStatus[] = [];
  for (const sink of sinks) {
    const lag = await sinkLag(dataDir, sink.name, folders);
    out.push({
      ...lag,
      oldestPendingAgeSeconds:
        lag.oldestPending === null
          ? null
          : Math.round((now - Date.parse(lag.oldestPending)) / 1000),
    });
  }
  return out;
}

/** A one-line reason when a sink is behind by more than maxAgeMs (lag.ts, isBehind). */
export function staleSinks(sinks: SinkStatus[], now: number, maxAgeMs: number): string | undefined {
  const behind = sinks.filter((s) => isBehind(s, now, maxAgeMs));
  if (behind.length === 0) return undefined;
  return behind
    .map(
      (s) =>
        `sink ${s.sink} is behind: ${s.pending} event(s) unsent, the oldest from ${s.oldestPending}, ` +
        `last delivery ${s.deliveredAt ?? "never"}`,
    )
    .join("; ");
}

export function renderSinks(sinks: SinkStatus[]): string {
  if (sinks.length === 0) return "";
  const lines = [];
  for (const s of sinks) {
    const age =
      s.oldestPendingAgeSeconds === null
        ? ""
        : `, the oldest from ${s.oldestPending} (${formatDuration(Math.max(0, s.oldestPendingAgeSeconds) * 1000)} old)`;
    lines.push(
      `Sink ${s.sink}`,
      `  unsent:          ${s.pending} event(s)${age}`,
      `  last delivery:   ${s.deliveredAt ?? "never"}`,
      "",
    );
  }
  return `\n${lines.join("\n")}`;
}
