import type { Logger } from "../logger.js";
import type { VcoClient } from "../vco/client.js";
import { eventPages, type EventPage } from "../vco/events.js";
import type { KeyedEvent } from "../vco/schemas.js";
import {
  MAX_PER_SLICE,
  MIN_SLICE_MS,
  nextSliceMs,
  planFromProbe,
  TARGET_PER_SLICE,
} from "./slicing.js";

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
 */
export async function* walkSlices(
  client: VcoClient,
  enterpriseId: number,
  start: number,
  end: number,
  logger: Logger,
): AsyncGenerator<Slice, void, undefined> {
  if (end < start) return;
  // Probe with the window's newest page: a quiet window (the usual cron run) is done in one call.
  const probe = eventPages(client, { enterpriseId, start, end }, logger);
  const first = await probe.next();
  const firstPage = first.done ? undefined : first.value;
  if (!firstPage?.more) {
    yield toSlice(start, end, firstPage ? [firstPage] : []);
    return;
  }
  const oldest = firstPage.events.reduce((t, e) => Math.min(t, e.time), end);
  const plan = planFromProbe(start, end, oldest);
  let sliceMs: number;
  if (plan.oneSlice) {
    const whole = await collect(probe, [firstPage]);
    if (whole.complete) {
      yield toSlice(start, end, whole.pages);
      return;
    }
    // The estimate was wrong (the backlog is denser further back): slice by what was seen.
    sliceMs = sliceFromDensity(whole.pages, end);
  } else {
    await probe.return();
    sliceMs = plan.sliceMs;
  }
  logger.debug({ enterpriseId, sliceMs }, "large backlog: walking it in slices");
  for (let a = start; a <= end;) {
    const b = Math.min(a + sliceMs - 1, end);
    const splittable = b - a + 1 > MIN_SLICE_MS;
    const query = eventPages(client, { enterpriseId, start: a, end: b }, logger);
    const got = await collect(query, [], splittable ? MAX_PER_SLICE : Number.POSITIVE_INFINITY);
    if (!got.complete) {
      // A burst denser than the last slice suggested: try again, sized by what was seen of it.
      sliceMs = Math.min(
        sliceFromDensity(got.pages, b),
        Math.max(MIN_SLICE_MS, Math.floor((b - a + 1) / 2)),
      );
      continue;
    }
    const slice = toSlice(a, b, got.pages);
    yield slice;
    a = b + 1;
    sliceMs = nextSliceMs(b - slice.start + 1, slice.events.length, end - a + 1);
  }
}

/**
 * All pages of a query, unless they pass `cap` events: then stop early, so memory stays bounded.
 * A one-second slice is taken whole whatever it holds: it cannot be split further.
 */
async function collect(
  pages: AsyncGenerator<EventPage, void, undefined>,
  got: EventPage[] = [],
  cap = MAX_PER_SLICE,
): Promise<{ pages: EventPage[]; complete: boolean }> {
  let count = got.reduce((n, p) => n + p.events.length, 0);
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
  for (const p of pages) for (const e of p.events) (count++, (oldest = Math.min(oldest, e.time)));
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
