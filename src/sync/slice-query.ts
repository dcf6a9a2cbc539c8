import type { Logger } from "../logger.js";
import type { VcoClient } from "../vco/client.js";
import { eventPages, PAGE_LIMIT, type EventPage } from "../vco/events.js";
import type { EventSource } from "../vco/streams.js";
import { MAX_PER_SLICE, MIN_SLICE_MS, TARGET_PER_SLICE } from "./slicing.js";

/** How one slice's query ended. */
export type SliceOutcome =
  /**
   * The pages hold every event of [low, b]; `outside` events on them are older than `low` and
   * marked, since [a, low - 1] is walked by other queries.
   */
  { kind: "done"; pages: EventPage[]; low: number; outside: number } | { kind: "cancelled" };

/** One slice's query, running on its own until it is complete, cut short, or cancelled. */
export interface SliceQuery {
  readonly a: number;
  readonly b: number;
  outcome: Promise<SliceOutcome>;
  /**
   * Once the query has said it is dense, the walker may ask for the time in front of it in other
   * slices: up to here (inclusive). The query stops when its pages reach it.
   */
  front: number;
  /** The oldest eventTime its pages have reached so far (b + 1 before the first page). */
  readonly reached: number;
  /** Not needed any more: stop at the next page and give its memory back. */
  cancel(): void;
}

/**
 * Starts the query for [a, b] and follows its pages, newest first. Its first page says how dense
 * the slice is. One that would hold far more than a slice should calls `onDense` with the slice
 * length its density suggests, asks for no further page, and hands over the pages it had asked
 * for: (the oldest of them, b]. The walker asks for the rest in shorter slices, from a on, even
 * before those pages are in (`front`): the query stops where its pages meet those. A slice denser
 * further back than its first page showed is cut at twice the target. No page is asked for in
 * vain: only the events of the page where it meets the others, or of the second it is cut in, are
 * fetched twice (and marked here). A one-second slice is taken whole, whatever it holds: it cannot
 * be cut.
 */
export function startSliceQuery(
  client: VcoClient,
  source: EventSource | number,
  a: number,
  b: number,
  logger: Logger,
  onDense: (sliceMs: number) => void = () => {},
): SliceQuery {
  let cancelled = false;
  let reached = b + 1;
  const span = b - a + 1;
  const splittable = span > MIN_SLICE_MS;
  const run = async (): Promise<SliceOutcome> => {
    const pages: EventPage[] = [];
    const stop = (low: number): SliceOutcome => ({
      kind: "done",
      pages,
      low,
      outside: markOlder(pages, low),
    });
    let count = 0;
    let dense = false;
    /** The time the last page spanned: about what the next one will. */
    let lastSpan = 0;
    let declined = false;
    // Pages are asked for ahead, before this loop has seen them: whether one more is wanted is
    // decided from what the pages not seen yet will likely hold, so none is asked for in vain.
    const wanted = (asked: number) => {
      const unseen = asked - pages.length;
      const enough = dense || count + unseen * PAGE_LIMIT >= MAX_PER_SLICE;
      const meets = query.front >= a && reached - unseen * lastSpan <= query.front;
      declined = splittable && reached < b && (enough || meets);
      return !declined;
    };
    for await (const page of eventPages(client, { source, start: a, end: b, wanted }, logger)) {
      pages.push(page);
      if (cancelled) break;
      const { batch } = page;
      // Reached the slices asked for in front of this one: the rest is theirs.
      if (query.front >= a && batch.count > 0 && batch.oldest <= query.front) {
        return stop(query.front + 1);
      }
      if (batch.count > 0) {
        lastSpan = batch.newest - batch.oldest;
        reached = Math.min(reached, batch.oldest);
      }
      count += fresh(page);
      if (splittable && page.more && pages.length === 1) {
        const covered = Math.max(b - Math.min(batch.oldest, b), MIN_SLICE_MS);
        const estimate = (fresh(page) * span) / covered;
        if (estimate > MAX_PER_SLICE) {
          dense = true;
          const sliceMs = Math.max(MIN_SLICE_MS, Math.floor((TARGET_PER_SLICE * span) / estimate));
          onDense(Math.min(Math.floor(span / 2), sliceMs));
        }
      }
    }
    if (cancelled) {
      for (const p of pages) p.batch.release();
      return { kind: "cancelled" };
    }
    // Ended before the VCO did: the time up to the last page's oldest second is walked again.
    if (declined && pages.at(-1)?.more) return stop(reached + 1);
    return stop(Math.max(a, query.front + 1));
  };
  const query: SliceQuery = {
    a,
    b,
    outcome: Promise.resolve({ kind: "cancelled" }),
    front: a - 1,
    get reached() {
      return reached;
    },
    cancel: () => {
      cancelled = true;
    },
  };
  query.outcome = run();
  query.outcome.catch(() => {}); // read by the walker, or never if the run stops first
  return query;
}

/** Events on the page that are not repeats. */
export const fresh = (page: EventPage): number => page.batch.count - page.repeats;

/** Marks the events older than `low` that are not repeats already; returns how many. */
function markOlder(pages: EventPage[], low: number): number {
  let marked = 0;
  for (const { batch } of pages) {
    if (batch.count === 0 || batch.oldest >= low) continue;
    for (let i = 0; i < batch.count; i++) {
      if (batch.time[i]! >= low || batch.repeat?.[i]) continue;
      (batch.repeat ??= new Uint8Array(batch.count))[i] = 1;
      marked++;
    }
  }
  return marked;
}
