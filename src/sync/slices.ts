import type { Logger } from "../logger.js";
import type { VcoClient } from "../vco/client.js";
import { eventPages, type EventPage } from "../vco/events.js";
import type { KeyedEvent } from "../vco/schemas.js";
import { MAX_PER_SLICE, MIN_SLICE_MS, nextSliceMs, TARGET_PER_SLICE } from "./slicing.js";

export interface Slice {
  start: number;
  /** Inclusive: once this slice is written, the cursor may move here. */
  end: number;
  /** Oldest first, ready to append. Repeats inside the slice are already dropped. */
  events: KeyedEvent[];
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
  type Started = {
    query: AsyncGenerator<EventPage, void, undefined>;
    first: Promise<IteratorResult<EventPage, void>>;
  };
  const begin = (a: number, b: number): Started => {
    const query = eventPages(client, { enterpriseId, start: a, end: b }, logger);
    const first = query.next();
    first.catch(() => {}); // read later, or dropped if the run stops first
    return { query, first };
  };
  // The next slice's query, started before this one was handed over (same bounds by construction).
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
      if (splittable && firstPage?.more) {
        const covered = Math.max(b - oldestOf(firstPage, b), MIN_SLICE_MS);
        if ((firstPage.events.length * span) / covered > MAX_PER_SLICE) {
          await query.return();
          sliceMs = Math.min(
            Math.floor(span / 2),
            Math.max(
              MIN_SLICE_MS,
              Math.floor((TARGET_PER_SLICE * covered) / Math.max(firstPage.events.length, 1)),
            ),
          );
          logger.debug({ enterpriseId, sliceMs }, "dense backlog: walking it in shorter slices");
          continue;
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
        continue;
      }
      const slice = toSlice(a, b, got.pages);
      a = b + 1;
      sliceMs = nextSliceMs(span, slice.events.length, end - a + 1);
      // Ask for the next slice's first page now: the VCO renders it while this one is written
      // and fsynced. Nothing of it is used before this slice is committed.
      if (a <= end) ahead = begin(a, Math.min(a + sliceMs - 1, end));
      yield slice;
    }
  } finally {
    // Stopped early (an error, a signal): the request started ahead is left to finish or fail on
    // its own; the client aborts whatever is still in flight when the run closes it.
    ahead?.first.catch(() => {});
  }
}

function oldestOf(page: EventPage, fallback: number): number {
  let oldest = fallback;
  for (const e of page.events) if (e.time < oldest) oldest = e.time;
  return oldest;
}

/**
 * All pages of a query, unless they pass `cap` events: then stop early, so memory stays bounded.
 * A one-second slice is taken whole whatever it holds: it cannot be split further.
 */
async function collect(
  pages: AsyncGenerator<EventPage, void, undefined>,
  got: EventPage[],
  cap: number,
): Promise<{ pages: EventPage[]; complete: boolean }> {
  let count = got.reduce((n, p) => n + p.events.length, 0);
  if (got.length > 0 && !got[got.length - 1]!.more) return { pages: got, complete: true };
  for await (const page of pages) {
    got.push(page);
    count += page.events.length;
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
    count += p.events.length;
    oldest = oldestOf(p, oldest);
  }
  return Math.max(
    MIN_SLICE_MS,
    Math.floor((TARGET_PER_SLICE * Math.max(end - oldest, 1)) / Math.max(count, 1)),
  );
}

function toSlice(start: number, end: number, pages: EventPage[]): Slice {
  const events: KeyedEvent[] = [];
  let repeats = 0;
  // Pages are newest first and so is each page: walk both backwards for oldest first.
  for (let p = pages.length - 1; p >= 0; p--) {
    const page = pages[p]!;
    repeats += page.repeats;
    for (let i = page.events.length - 1; i >= 0; i--) events.push(page.events[i]!);
  }
  // A stable sort repairs any server that is not strictly ordered; it is a no-op pass otherwise.
  events.sort((x, y) => x.time - y.time);
  return { start, end, events, pages: pages.length, repeats };
}
