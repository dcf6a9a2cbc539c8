import fsp from "node:fs/promises";
import { describeError, StorageError } from "../errors.js";
import type { Logger } from "../logger.js";
import { tailHash } from "../sink/file-mark.js";
import { iso, type Clock } from "../time.js";
import { loadSinkCursor, saveSinkCursor, type SinkCursor } from "./cursor-store.js";
import { planFolder, type Segment } from "./file-plan.js";
import { linesFrom } from "./line-reader.js";
import type { StreamFolder } from "./stream-folders.js";
import type { ForwardItem, ForwardTarget } from "./target.js";

/**
 * At most this many events (or bytes of lines) go in one batch: the most a kill or a broken
 * connection can make a receiver see twice, since the cursor moves after each confirmed batch.
 */
export const BATCH_EVENTS = 5_000;
export const BATCH_BYTES = 4 * 1024 * 1024;

export interface SinkRun {
  sink: string;
  sent: number;
  /** Lines that are not events (no id, not JSON): passed over, never sent. */
  skipped: number;
  /** True when the run stopped early (deadline or stop request), with more left to send. */
  cut: boolean;
}

export interface ForwardSinkOptions {
  dataDir: string;
  target: ForwardTarget;
  folders: StreamFolder[];
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /** Stop starting new batches after this (epoch ms); the rest goes next time. */
  deadline?: number | undefined;
}

/**
 * Send what every folder's events.json holds past this sink's cursor, batch by batch, moving the
 * cursor only after the target confirmed each batch. Throws the target's error (DeliveryError,
 * ConfigError, ...) after committing every batch confirmed before it.
 */
export async function forwardSink(o: ForwardSinkOptions): Promise<SinkRun> {
  const now = () => iso(o.clock.now());
  const cursor: SinkCursor = (await loadSinkCursor(o.dataDir, o.target.name)) ?? {
    version: 1,
    sink: o.target.name,
    createdAt: now(),
    deliveredAt: null,
    files: {},
  };
  const run: SinkRun = { sink: o.target.name, sent: 0, skipped: 0, cut: false };
  const stop = () =>
    o.signal?.aborted === true || (o.deadline !== undefined && o.clock.now() >= o.deadline);
  for (const folder of o.folders) {
    if (!folder.host) {
      o.logger.warn(
        { event: "forward-folder-skipped", folder: folder.rel },
        `${folder.rel}: no state in the data dir names its orchestrator, so its events have no key yet; it is sent once a fetch has run there`,
      );
      continue;
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const plan = await planFolder(folder.abs, cursor.files[folder.rel]);
      if (plan.lost) {
        o.logger.info(
          { event: "forward-rotated-file-gone", folder: folder.rel, sink: o.target.name },
          `${folder.rel}: the file this sink was reading was rotated away and is no longer in the folder; if it was not read to its end, those lines are not sent (keep rotated files uncompressed for a while: delaycompress)`,
        );
      }
      const replan = await sendSegments(o, folder, plan.segments, cursor, run, stop, now);
      if (!replan) break;
    }
    if (stop()) {
      run.cut = true;
      break;
    }
  }
  return run;
}

/** Returns true when a file changed identity between planning and opening it (plan again). */
async function sendSegments(
  o: ForwardSinkOptions,
  folder: StreamFolder,
  segments: Segment[],
  cursor: SinkCursor,
  run: SinkRun,
  stop: () => boolean,
  now: () => string,
): Promise<boolean> {
  for (const [i, seg] of segments.entries()) {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(seg.file, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return true;
      throw new StorageError(`cannot read ${seg.file}: ${describeError(err)}`);
    }
    try {
      if ((await fh.stat()).ino !== seg.ino) return true;
      const commit = async (offset: number) => {
        cursor.files[folder.rel] = {
          ino: seg.ino,
          offset,
          ...(offset > 0 ? { tail: await tailHash(fh, offset) } : {}),
        };
        await saveSinkCursor(o.dataDir, cursor);
      };
      // Moving on from a rotated file, read to its end: the new file starts at 0.
      if (i > 0) await commit(0);
      let batch: ForwardItem[] = [];
      let bytes = 0;
      let end = seg.from;
      let skippedHere = 0;
      const flush = async () => {
        if (batch.length > 0) {
          await o.target.send(batch, o.signal);
          run.sent += batch.length;
          cursor.deliveredAt = now();
        }
        await commit(end);
        batch = [];
        bytes = 0;
      };
      for await (const { line, end: lineEnd } of linesFrom(fh, seg.from)) {
        const item = toItem(line, folder);
        if (item) {
          batch.push(item);
          bytes += line.length;
        } else if (line.trim() !== "") {
          skippedHere++;
        }
        end = lineEnd;
        if (batch.length >= BATCH_EVENTS || bytes >= BATCH_BYTES) {
          await flush();
          if (stop()) return false;
        }
      }
      if (end > seg.from) await flush();
      if (skippedHere > 0) {
        run.skipped += skippedHere;
        o.logger.warn(
          { event: "forward-lines-skipped", folder: folder.rel, lines: skippedHere },
          `${folder.rel}: ${skippedHere} line(s) of ${seg.file} are not events (not JSON, or no id) and were not sent`,
        );
      }
    } finally {
      await fh.close();
    }
  }
  return false;
}

function toItem(line: string, folder: StreamFolder): ForwardItem | undefined {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof event !== "object" || event === null || Array.isArray(event)) return undefined;
  const e = event as Record<string, unknown>;
  const id = e.id ?? e.logicalId;
  if (!(typeof id === "number" || (typeof id === "string" && id !== ""))) return undefined;
  return {
    line,
    event: e,
    key: `${folder.host}/${String(id)}`,
    host: folder.host!,
    enterprise: folder.enterprise,
    stream: folder.stream,
  };
}
