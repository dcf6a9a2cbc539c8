import type { Logger } from "../logger.js";
import type { VcoClient } from "../vco/client.js";
import type { EventPage } from "../vco/events.js";
import type { EventBatch } from "../vco/event-batch.js";
import { enterpriseSource, sourceFields, type EventSource } from "../vco/streams.js";
import { fresh, startSliceQuery, type SliceOutcome, type SliceQuery } from "./slice-query.js";
import { nextSliceMs } from "./slicing.js";

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

/** Slices walked at once beyond each enterprise's own, shared by every enterprise of a run. */
export interface SliceSlots {
  readonly size: number;
  tryTake(): boolean;
  give(): void;
}

/** A fixed number of slots; `n` more slices at once across a run. */
export function sliceSlots(n: number): SliceSlots {
  let free = n;
  return {
    size: n,
    tryTake: () => (free > 0 ? (free--, true) : false),
    give: () => void free++,
  };
}

/**
 * The window [start, end] as complete slices, oldest first. VCO pages come newest first, so a
 * slice is only handed over once all its pages are in: the cursor moves only after the oldest
 * events of a slice are written.
 *
 * The first slice is the whole window: a quiet window (the usual cron run) is one request. After
 * that, `nextPageLink` chains being sequential by nature, several slices are walked at once, each
 * following its own chain (this enterprise's own, plus what `slots` lends), and handed over
 * strictly in order: a later slice that finishes first waits, so memory stays bounded by the
 * slices in flight. A slice that turns out too dense is walked again in shorter slices, and the
 * ones started after it are dropped (their time is walked again at the new length).
 */
export async function* walkSlices(
  client: VcoClient,
  target: EventSource | number,
  start: number,
  end: number,
  logger: Logger,
  slots: SliceSlots = sliceSlots(0),
): AsyncGenerator<Slice, void, undefined> {
  const source = typeof target === "number" ? enterpriseSource(target) : target;
  /** Started slices, in time order and contiguous; the first is the next to hand over. */
  const queue: Entry[] = [];
  let next = start; // where the time not yet asked for begins
  let sliceMs = end - start + 1;
  let closed = false;
  // Finished slices wait for the ones before them; this many at most are held, in flight or done:
  // the in-flight budget and one more, so a slow slice ahead does not idle the budget for long.
  const most = 2 + slots.size;
  const begin = (withSlot: boolean) => {
    const b = Math.min(next + sliceMs - 1, end);
    const entry: Entry = {
      query: startSliceQuery(client, source, next, b, logger),
      slot: withSlot,
      done: false,
    };
    // A slice that finishes frees its slot at once, and another starts, unless it found its time
    // too dense (the ones after it are walked again) or failed.
    const finished = (outcome?: SliceOutcome) => {
      entry.done = true;
      release(entry);
      if (outcome?.kind === "done") fill();
    };
    entry.query.outcome.then(finished, () => finished());
    queue.push(entry);
    next = b + 1;
  };
  const release = (entry: Entry) => {
    if (entry.slot) slots.give();
    entry.slot = false;
  };
  const drop = (entry: Entry) => {
    entry.query.cancel();
    release(entry);
  };
  /** Keeps one slice of this enterprise, and as many as the slots allow, on their way. */
  const fill = () => {
    while (!closed && next <= end && queue.length < most) {
      if (!queue.some((e) => !e.done && !e.slot)) begin(false);
      else if (slots.tryTake()) begin(true);
      else return;
    }
  };
  try {
    fill();
    while (queue.length > 0) {
      const head = queue[0]!;
      const outcome = await head.query.outcome;
      if (outcome.kind !== "done") {
        // Too dense: walk its time again in shorter slices; those started after it are dropped.
        for (const entry of queue) drop(entry);
        queue.length = 0;
        next = head.query.a;
        sliceMs = outcome.kind === "split" ? outcome.sliceMs : sliceMs;
        logger.debug(
          { event: "slice-shortened", ...sourceFields(source), sliceMs },
          "dense backlog: walking it in shorter slices",
        );
        fill();
        continue;
      }
      queue.shift();
      const { a, b } = head.query;
      const slice = toSlice(a, b, outcome.pages);
      sliceMs = nextSliceMs(b - a + 1, slice.count, end - next + 1);
      // The next slices are asked for before this one is handed over: the VCO renders them while
      // this one is written.
      fill();
      yield slice;
    }
  } finally {
    // Stopped early (an error, a signal): the slices started ahead are not needed.
    closed = true;
    for (const entry of queue) drop(entry);
  }
}

interface Entry {
  query: SliceQuery;
  /** Holds one of the shared slots (until it finishes). */
  slot: boolean;
  done: boolean;
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
