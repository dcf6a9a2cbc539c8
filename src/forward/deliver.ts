import { describeError } from "../errors.js";
import type { Logger } from "../logger.js";
import { acquireLock } from "../store/lock.js";
import { ensureStateDir } from "../store/state.js";
import type { Clock } from "../time.js";
import { ensureForwardDir } from "./cursor-store.js";
import { forwardSink, type SinkRun } from "./forwarder.js";
import { findStreamFolders } from "./stream-folders.js";
import type { Sink } from "./targets.js";

export interface DeliverOptions {
  dataDir: string;
  sinks: Sink[];
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal | undefined;
  deadline?: number | undefined;
}

export interface Delivery {
  runs: SinkRun[];
  failures: Array<{ sink: string; error: unknown }>;
}

/**
 * Each sink in turn, under the forward lock (`.state/forward/lock`), which is not fetch's lock: a
 * delivery reads only complete lines and fetch only appends whole ones, so the two interleave
 * safely, and a long delivery never holds up a fetch. Two deliveries never run at once (LockedError).
 * One sink that fails does not stop the others.
 */
export async function deliver(o: DeliverOptions): Promise<Delivery> {
  await ensureStateDir(o.dataDir);
  const lock = acquireLock(await ensureForwardDir(o.dataDir));
  const out: Delivery = { runs: [], failures: [] };
  try {
    const folders = await findStreamFolders(o.dataDir);
    for (const sink of o.sinks) {
      const started = o.clock.now();
      let target;
      try {
        target = sink.open({ clock: o.clock, logger: o.logger, signal: o.signal });
        const run = await forwardSink({ ...o, target, folders });
        out.runs.push(run);
        o.logger.info(
          {
            event: "forward-finished",
            sink: sink.name,
            sent: run.sent,
            skipped: run.skipped,
            more: run.cut,
            ms: o.clock.now() - started,
          },
          run.cut ? "delivered part of the backlog; the rest goes next time" : "delivered",
        );
      } catch (error) {
        out.failures.push({ sink: sink.name, error });
      } finally {
        await target?.close().catch(() => {});
      }
    }
  } finally {
    lock.release();
  }
  return out;
}

export const failureLine = (f: { sink: string; error: unknown }) => describeError(f.error);
