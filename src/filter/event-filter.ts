/** The VCO's syslog-style severity scale, most severe first (NOTES.md). */
export const SEVERITIES = [
  "EMERGENCY",
  "ALERT",
  "CRITICAL",
  "ERROR",
  "WARNING",
  "NOTICE",
  "INFO",
  "DEBUG",
] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CATEGORIES = [
  "SYSTEM",
  "NETWORK",
  "APPLICATION",
  "USER",
  "SECURITY",
  "EDGE",
  "GATEWAY",
  "CONFIGURATION",
  "ENTERPRISE",
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * Which events are written. Empty lists mean "no restriction". Names match exactly, or by prefix
 * with a trailing `*` ("MGD_*"). An event must pass every part: severity at or above minSeverity,
 * its name in `include` (when given) and not in `exclude`, its category in `categories` (when given).
 */
export interface EventFilter {
  minSeverity: Severity | undefined;
  include: string[];
  exclude: string[];
  categories: Category[];
}

export const NO_FILTER: EventFilter = {
  minSeverity: undefined,
  include: [],
  exclude: [],
  categories: [],
};
