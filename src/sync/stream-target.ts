import type { EventFilter } from "../filter/event-filter.js";
import { serverRules } from "../filter/rules.js";
import type { StateRef } from "../store/state.js";
import type { Enterprise } from "../vco/schemas.js";
import { enterpriseSource, ownSource, type EventSource, type StreamName } from "../vco/streams.js";

/**
 * The partner and operator streams' folders. An enterprise's folder never starts with `_` or `.`
 * (store/paths.ts folderName strips both), so these can never be an enterprise's, whatever its name.
 */
export const STREAM_FOLDER: Record<Exclude<StreamName, "enterprise">, string> = {
  partner: "_partner",
  operator: "_operator",
};

/**
 * One events.json and what fills it: an enterprise's events, or a partner's or operator's own.
 * Each target has its own cursor, seen window and state file; the pipeline (enterprise-sync.ts)
 * treats them all alike.
 */
export interface StreamTarget {
  stream: StreamName;
  /** The enterprise's id; 0 for the partner and operator streams. */
  id: number;
  /** The enterprise's name, or the stream's ("partner events"), for logs and status. */
  name: string;
  /** Output folder, relative to the data dir. */
  folder: string;
  /** The state file it keeps (store/state.ts). */
  ref: StateRef;
  source: EventSource;
  /** Which events are written; every event is checked locally, whatever the VCO filtered. */
  filter: EventFilter;
}

export function enterpriseTarget(e: Enterprise, folder: string, filter: EventFilter): StreamTarget {
  return {
    stream: "enterprise",
    id: e.id,
    name: e.name,
    folder,
    ref: e.id,
    source: enterpriseSource(e.id, serverRules(filter)),
    filter,
  };
}

export function ownStreamTarget(
  stream: Exclude<StreamName, "enterprise">,
  filter: EventFilter,
): StreamTarget {
  return {
    stream,
    id: 0,
    name: `${stream} events`,
    folder: STREAM_FOLDER[stream],
    ref: stream,
    source: ownSource(stream, serverRules(filter)),
    filter,
  };
}
