import { parseEventTime } from "../../vco/event-key.js";
import type { ForwardItem } from "../target.js";

/** What every event of one target carries besides the event itself. */
export interface EnvelopeOptions {
  index: string | undefined;
  sourcetype: string | undefined;
}

/** The indexed field that carries the stable event key, for dedupe in Splunk (`| dedup vco_event_key`). */
export const KEY_FIELD = "vco_event_key";

/**
 * One event in Splunk's HEC JSON protocol, serialized. `time` is epoch seconds with the milliseconds
 * as decimals (HEC's documented form); `event` is the line as written to events.json, unchanged.
 */
export function envelope(item: ForwardItem, o: EnvelopeOptions): string {
  const time = eventSeconds(item.event.eventTime);
  const head: Record<string, unknown> = {
    ...(time === undefined ? {} : { time }),
    host: item.host,
    source: item.enterprise?.name ?? item.stream,
    ...(o.sourcetype ? { sourcetype: o.sourcetype } : {}),
    ...(o.index ? { index: o.index } : {}),
    fields: { [KEY_FIELD]: item.key },
  };
  // The line goes in as written (it is already JSON), so the event is byte for byte the file's.
  return `${JSON.stringify(head).slice(0, -1)},"event":${item.line}}`;
}

/** eventTime as epoch seconds with millisecond decimals; undefined lets Splunk use arrival time. */
export function eventSeconds(eventTime: unknown): number | undefined {
  if (typeof eventTime !== "string") return undefined;
  const ms = parseEventTime(eventTime);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
