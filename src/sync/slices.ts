import type { Logger } from "../logger.js";
import type { VcoClient } from "../vco/client.js";
import { eventPages, type EventPage } from "../vco/events.js";
import type { EventBatch } from "../vco/event-batch.js";
import { MAX_PER_SLICE, MIN_SLICE_MS, nextSliceMs, TARGET_PER_SLICE } from "./slicing.js";

export interface Slice {
  start: number;
  /** Inclusive: once this slice is written, the cursor may move here. */
  end: number;
  /** The pages as they came, newest first; repeats inside the slice are marked (see eachOldestFirst). */
  batches: EventBatch[];
  /** Events in the slice, repeats not counted. */
  count: number;
  pages: number;
  repeats: number;
}

/**
 * The window [start, end] as complete slices, oldest first. VCO pages come newest first, so a
 * slice is only handed over once all its pages are in: the cursor moves only after the oldest
 * events of a slice are written.
 *
 * The first slice is the whole window: a quiet window (the usual cron run) is one request. The
 * first page of every slice says how dense it is; a slice that would hold far more than a slice
 * should is abandoned right there (one request lost) and cut shorter.
 */
export async function* walkSlices(
  client: VcoClient,
  enterpriseId: number,
  start: number,
  end: number,
  logger: Logger,
): AsyncGenerator<Slice, void, undefined> {
  const begin = (a: number, b: number): Started => {
    const query = eventPages(client, { enterpriseId, start: a, end: b }, logger);
    const first = query.next();
    first.catch(() => {}); // read later, or dropped if the run stops first
    return { query, first };
  };
  // The next slice's query, started before this one was handed over (same bounds by construction:
  // sliceMs is set to its length).
  let ahead: Started | undefined;
  let sliceMs = end - start + 1;
  try {
    for (let a = start; a <= end;) {
      const b = Math.min(a + sliceMs - 1, end);
      const span = b - a + 1;
      const splittable = span > MIN_SLICE_MS;
      const started = ahead ?? begin(a, b);
      ahead = undefined;
      const { query } = started;
      const first = await started.first;
      const pages = first.done ? [] : [first.value];
      const firstPage = pages[0];
      let nextMs: number | undefined;
      if (splittable && firstPage?.more) {
        const covered = Math.max(b - oldestOf(firstPage, b), MIN_SLICE_MS);
        const estimate = (fresh(firstPage) * span) / covered;
        if (estimate > MAX_PER_SLICE) {
          await query.return();
          sliceMs = Math.min(
            Math.floor(span / 2),
            Math.max(MIN_SLICE_MS, Math.floor((TARGET_PER_SLICE * span) / estimate)),
          );
          firstPage.batch.release();
          logger.debug(
            { event: "slice-shortened", enterpriseId, sliceMs },
            "dense backlog: walking it in shorter slices",
          );
          continue;
        }
        // The rest of this slice is on its way: ask for the next slice's first page as well, sized
        // from this first page's density, so the VCO is not left waiting between slices.
        if (b < end) {
          nextMs = nextSliceMs(span, estimate, end - b);
          ahead = begin(b + 1, Math.min(b + nextMs, end));
        }
      }
      const got = await collect(
        query,
        pages,
        splittable ? MAX_PER_SLICE : Number.POSITIVE_INFINITY,
      );
      if (!got.complete) {
        // Denser further back than its first page showed: cut it by what was seen.
        sliceMs = Math.min(Math.floor(span / 2), sliceFromDensity(got.pages, b));
        for (const p of got.pages) p.batch.release(); // after sliceFromDensity has read them
        if (ahead) abandon(ahead);
        ahead = undefined;
        continue;
      }
      const slice = toSlice(a, b, got.pages);
      a = b + 1;
      sliceMs = nextMs ?? nextSliceMs(span, slice.count, end - a + 1);
      // Ask for the next slice's first page now (unless asked already): the VCO renders it while
      // this one is written. Nothing of it is used before this slice is handed over.
      if (a <= end && !ahead) ahead = begin(a, Math.min(a + sliceMs - 1, end));
      yield slice;
    }
  } finally {
    // Stopped early (an error, a signal): the query started ahead is not needed.
    if (ahead) abandon(ahead);
  }
}

/** A query started ahead that will not be used: its first page's memory goes back when it arrives. */
function abandon(started: Started): void {
  started.first
    .then((r) => {
      if (!r.done) r.value.batch.release();
      return started.query.return(undefined);
    })
    .catch(() => {});
}

interface Started {
  query: AsyncGenerator<EventPage, void, undefined>;
  first: Promise<IteratorResult<EventPage, void>>;
}

function oldestOf(page: EventPage, fallback: number): number {
  return Math.min(page.batch.oldest, fallback);
}

/** Events on the page that are not repeats. */
const fresh = (page: EventPage): number => page.batch.count - page.repeats;

/**
 * All pages of a query, unless they pass `cap` events: then stop early, so memory stays bounded.
 * A one-second slice is taken whole whatever it holds: it cannot be split further.
 */
async function collect(
  pages: AsyncGenerator<EventPage, void, undefined>,
  got: EventPage[],
  cap: number,
): Promise<{ pages: EventPage[]; complete: boolean }> {
  let count = got.reduce((n, p) => n + fresh(p), 0);
  if (got.length > 0 && !got[got.length - 1]!.more) return { pages: got, complete: true };
  for await (const page of pages) {
    got.push(page);
    count += fresh(page);
    if (count > cap && page.more) {
      await pages.return();
      return { pages: got, complete: false };
    }
  }
  return { pages: got, complete: true };
}

function sliceFromDensity(pages: EventPage[], end: number): number {
  let count = 0;
  let oldest = end;
  for (const p of pages) {
    count += fresh(p);
    oldest = oldestOf(p, oldest);
  }
  return Math.max(
    MIN_SLICE_MS,
    Math.floor((TARGET_PER_SLICE * Math.max(end - oldest, 1)) / Math.max(count, 1)),
  );
}

function toSlice(start: number, end: number, pages: EventPage[]): Slice {
  let count = 0;
  let repeats = 0;
  for (const p of pages) {
    count += fresh(p);
    repeats += p.repeats;
  }
  return { start, end, batches: pages.map((p) => p.batch), count, pages: pages.length, repeats };
}

/**
 * Calls `fn` for each event of the slice that is not a repeat, oldest first (by eventTime; events
 * with the same time in the reverse of the order the VCO listed them). Pages come newest first and
 * so does each page, so walking both backwards is the order whenever the VCO kept its promise; a
 * server that did not gets a stable sort.
 */
export function eachOldestFirst(
  slice: Slice,
  fn: (batch: EventBatch, index: number) => void,
): void {
  const { batches } = slice;
  if (inOrder(batches)) {
    for (let p = batches.length - 1; p >= 0; p--) {
      const b = batches[p]!;
      for (let i = b.count - 1; i >= 0; i--) if (!b.repeat?.[i]) fn(b, i);
    }
    return;
  }
  const refs: Array<[EventBatch, number]> = [];
  for (let p = batches.length - 1; p >= 0; p--) {
    const b = batches[p]!;
    for (let i = b.count - 1; i >= 0; i--) if (!b.repeat?.[i]) refs.push([b, i]);
  }
  refs.sort(([x, i], [y, j]) => x.time[i]! - y.time[j]!);
  for (const [b, i] of refs) fn(b, i);
}

/** Whether each page is newest first and no page holds anything newer than the page before it. */
function inOrder(batches: EventBatch[]): boolean {
  let newerOldest = Number.POSITIVE_INFINITY;
  for (const b of batches) {
    if (!b.descending || b.newest > newerOldest) return false;
    if (b.count > 0) newerOldest = b.oldest;
  }
  return true;
}
