import type { RawEvent } from "./schemas.js";

/**
 * Classic events carry an integer `id`; VCO 6.2+ replaced it with a `logicalId` UUID. Ids are not
 * assumed to increase. Returns a reason string when the event is unusable. Hand-written rather than
 * zod: it runs once per event on the hot path, and checks only the two fields the tool relies on.
 */
export function eventKey(raw: unknown): { key: string; time: number } | string {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return "an event is not an object";
  const e = raw as RawEvent;
  const id = e.id ?? e.logicalId;
  if (!(typeof id === "number" && Number.isFinite(id)) && !(typeof id === "string" && id !== "")) {
    return "an event has neither an id nor a logicalId";
  }
  if (typeof e.eventTime !== "string") return `event ${String(id)} has no eventTime`;
  const time = parseEventTime(e.eventTime);
  if (Number.isNaN(time)) return `event ${String(id)} has an unreadable eventTime "${e.eventTime}"`;
  return { key: String(id), time };
}

const digits = (s: string, from: number, n: number): number => {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return v;
};

/**
 * eventTime as epoch ms. The VCO's own form, "2021-10-23T06:48:57.000Z", is read directly (Date.parse
 * was a measurable share of a backfill); anything else goes to Date.parse.
 */
export function parseEventTime(s: string): number {
  if (
    s.length === 24 &&
    s[4] === "-" &&
    s[7] === "-" &&
    s[10] === "T" &&
    s[13] === ":" &&
    s[16] === ":" &&
    s[19] === "." &&
    s[23] === "Z"
  ) {
    const [y, mo, d, h, mi, se, ms] = [
      digits(s, 0, 4),
      digits(s, 5, 2),
      digits(s, 8, 2),
      digits(s, 11, 2),
      digits(s, 14, 2),
      digits(s, 17, 2),
      digits(s, 20, 3),
    ];
    if (mo! >= 1 && mo! <= 12 && d! >= 1 && d! <= 31 && h! < 24 && mi! < 60 && se! < 60) {
      const t = Date.UTC(y!, mo! - 1, d!, h!, mi!, se!, ms!);
      if (!Number.isNaN(t)) return t;
    }
  }
  return Date.parse(s);
}
