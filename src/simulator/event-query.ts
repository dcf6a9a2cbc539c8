import type { StreamName } from "../vco/streams.js";
import type { EventStore } from "./event-store.js";
import type { MethodContext } from "./methods.js";
import { invalid } from "./rpc-failure.js";
import { parseRules } from "./rules.js";

export function allowOnly(params: Record<string, unknown>, keys: string[]): void {
  for (const k of Object.keys(params))
    if (!keys.includes(k)) throw invalid(`unknown property "${k}"`);
}

/** RFC 3339 strings or 13-digit epoch milliseconds, as the API documents. Anything else is refused. */
function parseDate(v: unknown, name: string): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 1e12 && v < 1e13) return v;
  if (
    typeof v === "string" &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)
  ) {
    return Date.parse(v);
  }
  throw invalid(`${name} must be a 13-digit epoch millisecond time or an RFC 3339 string`);
}

/** What a nextPageLink stands for: whose events (`w`), the interval, the offset, the rules. */
interface PageLink {
  w: string;
  s: number;
  t: number;
  o: number;
  r: string;
}

function encodeLink(link: PageLink): string {
  return Buffer.from(JSON.stringify(link)).toString("base64url");
}

function decodeLink(text: unknown): PageLink {
  try {
    const v = JSON.parse(Buffer.from(String(text), "base64url").toString("utf8")) as PageLink;
    if ([v.s, v.t, v.o].every((n) => typeof n === "number") && typeof v.w === "string") return v;
  } catch {
    /* fall through */
  }
  throw invalid("nextPageLink is not one this server issued");
}

const CLOSE = Buffer.from("]}");

/** The params every events method takes besides its own (nextPageLink and limit: newer VCOs). */
export const EVENT_PARAMS = (legacy: boolean) =>
  legacy ? ["interval", "filter"] : ["interval", "filter", "nextPageLink", "limit"];

/**
 * One page of an events query, as every events method serves it: interval (12 h back by default),
 * filter {limit, rules}, offset-based nextPageLinks (none in legacy mode), newest first, at most
 * pageLimit. `whose` names the event set, so a link cannot be replayed against another one.
 */
export function servePage(
  ctx: MethodContext,
  store: EventStore,
  stream: StreamName,
  whose: string,
): Buffer {
  const p = ctx.params;
  let start = ctx.now - 12 * 3_600_000;
  let end = ctx.now;
  if (p.interval !== undefined) {
    const iv = p.interval as Record<string, unknown>;
    if (typeof iv !== "object" || iv === null) throw invalid("interval must be an object");
    allowOnly(iv, ["start", "end", "type"]);
    if (iv.start === undefined) throw invalid("interval.start is required");
    start = parseDate(iv.start, "interval.start");
    if (iv.end !== undefined) end = parseDate(iv.end, "interval.end");
  }
  let limit = ctx.pageLimit;
  let rules: unknown;
  if (p.filter !== undefined) {
    const f = p.filter as Record<string, unknown>;
    if (typeof f !== "object" || f === null) throw invalid("filter must be an object");
    allowOnly(f, ["limit", "rules"]);
    if (f.limit !== undefined) {
      if (typeof f.limit !== "number" || !Number.isInteger(f.limit) || f.limit < 1)
        throw invalid("filter.limit must be a positive integer");
      limit = Math.min(f.limit, ctx.pageLimit);
    }
    rules = f.rules;
    if (ctx.noRules && Array.isArray(rules) && rules.length > 0)
      throw invalid("filter.rules is not supported");
  }
  const match = parseRules(rules, stream);
  const ruleText = match ? JSON.stringify(rules) : "";
  let offset = 0;
  if (p.nextPageLink !== undefined) {
    const link = decodeLink(p.nextPageLink);
    if (link.w !== whose) throw invalid("nextPageLink belongs to another query");
    // A link continues its query: asking it with other rules would shift every offset.
    if (link.r !== ruleText) throw invalid("nextPageLink was issued for other filter rules");
    ({ s: start, t: end, o: offset } = link);
  }
  store.release(ctx.now);
  const { data, count, more } = store.page(start, end, offset, limit, match);
  ctx.served = count;
  const meta: Record<string, unknown> = { limit, more };
  if (more && !ctx.legacyPaging)
    meta.nextPageLink = encodeLink({ w: whose, s: start, t: end, o: offset + count, r: ruleText });
  // JSON already: the store writes a page's events as bytes, with no object or string per event.
  return Buffer.concat([Buffer.from(`{"metaData":${JSON.stringify(meta)},"data":[`), data, CLOSE]);
}
