import { ResponseShapeError } from "../errors.js";
import type { Logger } from "../logger.js";
import { iso } from "../time.js";
import type { FastReader, VcoClient } from "./client.js";
import { batchFromParsed, EventBatch } from "./event-batch.js";
import { EventScanner } from "./event-scan.js";
import { RepeatIndex } from "../dedupe/repeat-index.js";
import * as z from "zod";
import { enterpriseSource, sourceFields, type EventSource } from "./streams.js";

export const PAGE_LIMIT = 2048;

/** A getEnterpriseEvents reply: events as a batch when the scanner read it, else as parsed. */
const eventsReplySchema = z.looseObject({
  metaData: z.looseObject({
    limit: z.number().int().nonnegative().optional(),
    more: z.boolean(),
    nextPageLink: z.string().nullable().optional(),
  }),
  data: z.union([z.instanceof(EventBatch), z.array(z.unknown())]),
});
type EventsReply = z.infer<typeof eventsReplySchema>;

export interface PageQuery {
  /** Whose events: an enterprise id (its enterprise events), or any stream's source. */
  source: EventSource | number;
  /** Inclusive bounds, epoch ms. */
  start: number;
  end: number;
  /**
   * Asked before the page after the one at hand is asked for, with how many pages have been asked
   * for so far (pages are asked for ahead, before the caller has seen them): false ends the walk
   * with the page at hand.
   */
  wanted?: (asked: number) => boolean;
}

export interface EventPage {
  /** The page's events, newest first as the VCO sent them; `batch.repeat` marks repeats. */
  batch: EventBatch;
  /** Events on the page that an earlier page (or the same page) of this query already gave. */
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
  const source = typeof query.source === "number" ? enterpriseSource(query.source) : query.source;
  const repeats = new RepeatIndex(client.memory.repeatTables);
  const scanner = new EventScanner(client.memory);
  // The next page, asked for as soon as a reply's bytes name it: before this reply is scanned, so
  // the VCO renders it meanwhile. Used only if the link matches the one the checked reply gives.
  let early: { link: string; reply: Promise<EventsReply> } | undefined;
  let done = false;
  const wanted = query.wanted ?? (() => true);
  let asked = 0;
  const peek = (bytes: Buffer) => {
    const link = early || done || !wanted(asked) ? undefined : scanner.peekNextPageLink(bytes);
    if (link !== undefined) early = { link, reply: ahead(ask(end, link)) };
  };
  // The first kilobyte names the next page, long before the rest of a megabyte reply is in.
  const read: FastReader = Object.assign(
    (bytes: Buffer) => {
      peek(bytes);
      return scanner.scan(bytes);
    },
    { head: peek },
  );
  const ask = (to: number, link?: string) => {
    asked++;
    return client.call(
      source.method,
      {
        ...source.params,
        interval: { start: query.start, end: to },
        // The same rules with every page: a link continues the query they shaped.
        filter:
          source.rules.length > 0
            ? { limit: PAGE_LIMIT, rules: source.rules }
            : { limit: PAGE_LIMIT },
        ...(link ? { nextPageLink: link } : {}),
      },
      eventsReplySchema,
      read,
    );
  };
  let end = query.end;
  // A page asked for ahead may fail after its reader has gone (the run stopped): never unhandled.
  const ahead = (p: Promise<EventsReply>) => (p.catch(() => {}), p);
  const takeEarly = (link?: string): Promise<EventsReply> | undefined => {
    const e = early;
    early = undefined;
    if (e && e.link === link) return e.reply;
    if (e) drop(e.reply);
    return undefined;
  };
  let pending: Promise<EventsReply> | undefined = ahead(ask(end));
  try {
    while (pending) {
      const reply: EventsReply = await pending;
      pending = undefined;
      const batch = toBatch(reply.data, client, source.method);
      const oldest = batch.oldest;
      const more: boolean = reply.metaData.more && batch.count > 0;
      const link: string | undefined = more
        ? (reply.metaData.nextPageLink ?? undefined)
        : undefined;
      const next = takeEarly(link);
      if (next) {
        pending = next; // asked for while this reply came in
      } else if (more && !wanted(asked)) {
        // The caller has enough: this page is the last.
      } else if (link) {
        // Ask for the next page now: the VCO renders it while the caller handles this one.
        pending = ahead(ask(end, link));
      } else if (more && oldest >= query.start) {
        if (oldest >= end) {
          // A whole page inside one second: a server without links cannot page past it.
          logger.warn(
            { event: "legacy-second-overflow", ...sourceFields(source), second: iso(end) },
            "this VCO sends no nextPageLink and has more than one page of events in one second; " +
              "events beyond the first page in that second cannot be fetched from it",
          );
          end = oldest - 1;
        } else {
          end = oldest;
        }
        if (end >= query.start) pending = ahead(ask(end));
      }
      yield { batch, repeats: repeats.mark(batch), more };
    }
  } finally {
    // Abandoned early (the caller stopped): the pages asked for ahead are not needed.
    done = true;
    if (pending) drop(pending);
    takeEarly();
    repeats.release();
  }
}

/** A reply nobody will read: its memory goes back to the pool when it arrives. */
function drop(reply: Promise<EventsReply>): void {
  reply.then(
    (r) => r.data instanceof EventBatch && r.data.release(),
    () => {},
  );
}

function toBatch(data: EventsReply["data"], client: VcoClient, method: string): EventBatch {
  if (data instanceof EventBatch) return data;
  const batch = batchFromParsed(data, client.memory);
  if (typeof batch === "string") throw new ResponseShapeError(method, batch);
  return batch;
}
