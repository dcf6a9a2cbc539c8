import type { Logger } from "../logger.js";
import type { VcoClient } from "../vco/client.js";
import { eventPages, type EventPage } from "../vco/events.js";
import type { KeyedEvent } from "../vco/schemas.js";
import { nextSliceMs, planFromProbe } from "./slicing.js";

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
  if (plan.oneSlice) {
    const pages = [firstPage];
    for await (const page of probe) pages.push(page);
    yield toSlice(start, end, pages);
    return;
  }
  await probe.return();
  logger.debug({ enterpriseId, sliceMs: plan.sliceMs }, "large backlog: walking it in slices");
  let sliceMs = plan.sliceMs;
  for (let a = start; a <= end;) {
    const b = Math.min(a + sliceMs - 1, end);
    const pages: EventPage[] = [];
    for await (const page of eventPages(client, { enterpriseId, start: a, end: b }, logger))
      pages.push(page);
    const slice = toSlice(a, b, pages);
    yield slice;
    a = b + 1;
    sliceMs = nextSliceMs(b - slice.start + 1, slice.events.length, end - a + 1);
  }
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
