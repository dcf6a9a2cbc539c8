import type { ForwardItem } from "../target.js";
import { parseEventTime } from "../../vco/event-key.js";

// RFC 5424 message parts, built by pure functions so every escaping rule has a unit test.

/** RFC 5424 section 6.2.1 severities, from the VCO's severity names; unknown ones are notice. */
const SEVERITY: Record<string, number> = {
  EMERGENCY: 0,
  ALERT: 1,
  CRITICAL: 2,
  ERROR: 3,
  WARNING: 4,
  NOTICE: 5,
  INFO: 6,
  DEBUG: 7,
};
export const UNKNOWN_SEVERITY = 5;

export const FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;
export type Facility = keyof typeof FACILITIES;

/** The registered private enterprise number set aside for documentation (RFC 5612). */
export const SD_ID = "vco@32473";
export const APP_NAME = "vco-events";

export function severityOf(event: Record<string, unknown>): number {
  const s = typeof event.severity === "string" ? event.severity.toUpperCase() : "";
  return SEVERITY[s] ?? UNKNOWN_SEVERITY;
}

/** PRINTUSASCII (%d33-126) only, at most `max` characters, "-" (the NILVALUE) when nothing is left. */
export function headerField(value: unknown, max: number): string {
  const text = typeof value === "string" || typeof value === "number" ? String(value) : "";
  const clean = text.replace(/[^\x21-\x7e]+/g, "_").slice(0, max);
  return clean === "" ? "-" : clean;
}

/** RFC 5424 section 6.3.3: inside PARAM-VALUE, '"', '\' and ']' are escaped with a backslash. */
export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** The event's eventTime as an RFC 3339 timestamp in UTC, or "-" when it has none. */
export function timestampOf(event: Record<string, unknown>): string {
  const t = typeof event.eventTime === "string" ? parseEventTime(event.eventTime) : Number.NaN;
  return Number.isNaN(t) ? "-" : new Date(t).toISOString();
}

export function structuredData(item: ForwardItem): string {
  const params: Array<[string, string]> = [];
  if (item.enterprise) {
    params.push(["enterprise", item.enterprise.name], ["enterpriseId", String(item.enterprise.id)]);
  }
  params.push(["key", item.key], ["stream", item.stream]);
  return `[${SD_ID}${params.map(([k, v]) => ` ${k}="${escapeParamValue(v)}"`).join("")}]`;
}

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG` (RFC 5424 section 6). */
export function syslogMessage(item: ForwardItem, facility: number, msg: string): string {
  const pri = facility * 8 + severityOf(item.event);
  return (
    `<${pri}>1 ${timestampOf(item.event)} ${headerField(item.host, 255)} ${APP_NAME} - ` +
    `${headerField(item.event.event, 32)} ${structuredData(item)} ${msg}`
  );
}

/** RFC 6587 section 3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`, the length in UTF-8 bytes. */
export function frame(message: string): string {
  return `${Buffer.byteLength(message, "utf8")} ${message}`;
}
