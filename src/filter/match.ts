import { SEVERITIES, type EventFilter } from "./event-filter.js";

/** The fields of an event a filter looks at, as the VCO sent them. */
export interface FilterFields {
  event: unknown;
  severity: unknown;
  category: unknown;
}

/** Whether a filter restricts anything at all (the common case, no filter, costs nothing). */
export const filters = (f: EventFilter): boolean =>
  f.minSeverity !== undefined ||
  f.include.length > 0 ||
  f.exclude.length > 0 ||
  f.categories.length > 0;

/** An event name against a pattern: exactly, or by prefix with a trailing `*` ("MGD_*"). */
export function nameMatches(name: string, pattern: string): boolean {
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/**
 * Whether an event passes the filter. An event whose severity is not on the VCO's scale does not
 * pass a minimum severity: it cannot be ranked, and the server-side rule (a list of the severities
 * at or above the minimum) would not return it either.
 */
export function matches(f: EventFilter, e: FilterFields): boolean {
  if (f.minSeverity !== undefined) {
    const rank = SEVERITIES.indexOf(e.severity as (typeof SEVERITIES)[number]);
    if (rank < 0 || rank > SEVERITIES.indexOf(f.minSeverity)) return false;
  }
  const name = typeof e.event === "string" ? e.event : "";
  if (f.include.length > 0 && !f.include.some((p) => nameMatches(name, p))) return false;
  if (f.exclude.some((p) => nameMatches(name, p))) return false;
  if (f.categories.length > 0 && !(f.categories as readonly unknown[]).includes(e.category))
    return false;
  return true;
}

/** One NDJSON event line against the filter; a line that is not a JSON object does not pass. */
export function lineMatches(f: EventFilter, line: string): boolean {
  try {
    const e = JSON.parse(line) as unknown;
    return typeof e === "object" && e !== null && matches(f, e as FilterFields);
  } catch {
    return false;
  }
}
