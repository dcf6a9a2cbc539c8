import { ResponseShapeError } from "../errors.js";
import type { Logger } from "../logger.js";
import { iso } from "../time.js";
import type { VcoClient } from "./client.js";
import { ScannedEvent, scanEventsReply, tokenValue } from "./event-scan.js";
import { eventKey, eventsReplySchema, type EventsReply, type KeyedEvent } from "./schemas.js";

export const PAGE_LIMIT = 2048;
const METHOD = "event/getEnterpriseEvents";

export interface PageQuery {
  enterpriseId: number;
  /** Inclusive bounds, epoch ms. */
  start: number;
  end: number;
}

export interface EventPage {
  /** Events new to this query, newest first as the VCO sent them. */
  events: KeyedEvent[];
  /** Events on the page that an earlier page of the same query already gave. */
  repeats: number;
  /** Whether the VCO said there is more after this page. */
  more: boolean;
}

/**
 * Pages of one query, newest first, as the VCO serves them. The caller decides when a page is
 * safely written; this generator only walks.
 *
 * Newer VCOs hand back metaData.nextPageLink while `more` is true. Older ones say `more` with no
 * link: then the only way on is to re-ask with interval.end moved back to the oldest eventTime seen
 * and drop the repeats. Link-based pages can also repeat an event when new ones arrive mid-walk,
 * so repeats are dropped either way.
 */
export async function* eventPages(
  client: VcoClient,
  query: PageQuery,
  logger: Logger,
): AsyncGenerator<EventPage, void, undefined> {
  const seen = new Set<string>();
  const ask = (end: number, link?: string) =>
    client.call(
      METHOD,
      {
        enterpriseId: query.enterpriseId,
        interval: { start: query.start, end },
        filter: { limit: PAGE_LIMIT },
        ...(link ? { nextPageLink: link } : {}),
      },
      eventsReplySchema,
      scanEventsReply,
    );
  let end = query.end;
  // A page asked for ahead may fail after its reader has gone (the run stopped): never unhandled.
  const ahead = (p: Promise<EventsReply>) => (p.catch(() => {}), p);
  let pending: Promise<EventsReply> | undefined = ahead(ask(end));
  try {
    while (pending) {
      const reply = await pending;
      pending = undefined;
      const events: KeyedEvent[] = [];
      let repeats = 0;
      let oldest = Number.POSITIVE_INFINITY;
      // Each event's own bytes from the scan; re-serialised only when the reply needed JSON.parse
      // or the event was pretty-printed over several lines.
      for (let i = 0; i < reply.data.length; i++) {
        const item = reply.data[i];
        const keyed = item instanceof ScannedEvent ? scannedKey(item) : eventKey(item);
        if (typeof keyed === "string") throw new ResponseShapeError(METHOD, keyed);
        if (keyed.time < oldest) oldest = keyed.time;
        if (seen.has(keyed.key)) {
          repeats++;
          continue;
        }
        seen.add(keyed.key);
        const line =
          item instanceof ScannedEvent
            ? item.multiline
              ? Buffer.from(JSON.stringify(JSON.parse(item.bytes.toString("utf8"))))
              : item.bytes
            : Buffer.from(JSON.stringify(item));
        events.push({ key: keyed.key, time: keyed.time, line });
      }
      const more = reply.metaData.more && reply.data.length > 0;
      if (more && reply.metaData.nextPageLink) {
        // Ask for the next page now: the VCO renders it while the caller handles this one.
        pending = ahead(ask(end, reply.metaData.nextPageLink));
      } else if (more && oldest >= query.start) {
        if (oldest >= end) {
          // A whole page inside one second: a server without links cannot page past it.
          logger.warn(
            { enterpriseId: query.enterpriseId, second: iso(end) },
            "this VCO sends no nextPageLink and has more than one page of events in one second; " +
              "events beyond the first page in that second cannot be fetched from it",
          );
          end = oldest - 1;
        } else {
          end = oldest;
        }
        if (end >= query.start) pending = ahead(ask(end));
      }
      yield { events, repeats, more };
    }
  } finally {
    // Abandoned early (the caller stopped): the prefetched page is not needed.
    pending?.catch(() => {});
  }
}

/** Key and time of a scanned event, by the same rules (and messages) as a parsed one. */
function scannedKey(e: ScannedEvent): { key: string; time: number } | string {
  return eventKey({
    id: tokenValue(e.idToken),
    logicalId: tokenValue(e.logicalIdToken),
    eventTime: tokenValue(e.eventTimeToken),
  });
}
