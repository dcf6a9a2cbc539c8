import type { Logger } from "../logger.js";
import type { VcoClient } from "../vco/client.js";
import { PAGE_LIMIT, type EventPage } from "../vco/events.js";
import type { EventBatch } from "../vco/event-batch.js";
import { enterpriseSource, sourceFields, type EventSource } from "../vco/streams.js";
import { fresh, startSliceQuery, type SliceOutcome, type SliceQuery } from "./slice-query.js";
import { SliceLength, TARGET_PER_SLICE } from "./slicing.js";

export interface Slice {
  start: number;
  /** Inclusive: once this slice is written, the cursor may move here. */
  end: number;
  /**
   * The pages as they came, newest first; repeats inside the slice, and events older than it on its
   * oldest page, are marked (see eachOldestFirst).
   */
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
 * strictly in order: a later slice that finishes first waits, and at most a few wait, so memory
 * stays bounded by the slices in flight. A slice that turns out too dense keeps the pages it has
 * walked back from its end (a slice's worth at most), and the time in front of them is walked in
 * shorter slices, started while it goes on; no page is fetched twice.
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
  /**
   * The time not yet handed over, in order and contiguous: slices asked for, finished slices, and
   * time not asked for yet. The first is the next to hand over.
   */
  const parts: Part[] = [{ a: start, b: end, slot: false }];
  const length = new SliceLength(end - start + 1);
  let closed = false;
  // How many slices may be held, asked for or finished: the in-flight budget and one more, as
  // long as the next slice to hand over is finished (the writing is behind: more would only wait).
  const most = 2 + slots.size;
  // While the next slice to hand over is still walked, later ones that finish first wait: as many
  // pages as those slices would hold. Counted in pages, since the parts of a dense slice and the
  // window's newest pages, waiting all run, are short.
  const mostWaiting = most * Math.ceil(TARGET_PER_SLICE / PAGE_LIMIT);
  let wake: (() => void) | undefined;
  const changed = () => {
    wake?.();
    wake = undefined;
  };
  const release = (part: Part) => {
    if (part.slot) slots.give();
    part.slot = false;
  };
  /** Asks for [a, b] in a new slice, placed at `at` in `parts`. */
  const begin = (at: number, a: number, b: number, withSlot: boolean) => {
    const part: Part = { a, b, slot: withSlot, expected: length.expect(b - a + 1) };
    part.query = startSliceQuery(client, source, a, b, logger, (ms) => {
      part.dense = true;
      length.dense(ms);
      logger.debug(
        { event: "slice-shortened", ...sourceFields(source), sliceMs: ms },
        "dense backlog: walking it in shorter slices",
      );
      fill();
    });
    part.query.outcome.then(
      (outcome) => outcome.kind === "done" && finished(part, outcome),
      (err: unknown) => {
        part.error = err;
        release(part);
        fill();
        changed();
      },
    );
    parts.splice(at, 0, part);
  };
  const finished = (part: Part, { pages, low, outside }: Done) => {
    release(part);
    const at = parts.indexOf(part);
    if (closed || at < 0) {
      for (const p of pages) p.batch.release();
      return;
    }
    const slice = toSlice(low, part.b, pages, outside);
    // Cut short: the time in front of its pages is asked for again. Until that time is written,
    // its pages wait, deflated: a window that begins in quiet time finds its events by slices
    // that grow over the quiet time, and each that lands among the events leaves such pages.
    const cut = low > part.a;
    if (cut) for (const b of slice.batches) b.park();
    const before = cut ? [{ a: part.a, b: low - 1, slot: false }] : [];
    parts.splice(at, 1, ...before, { a: low, b: part.b, slot: false, slice });
    // Measured from its oldest event when it held a page or more: a slice that began in quiet
    // time is as dense as the part that holds events.
    const from = slice.count >= PAGE_LIMIT ? Math.max(low, oldestIn(pages)) : low;
    const whole = low === part.a && !part.dense;
    const expected = whole ? part.expected : undefined;
    length.found(part.b - low + 1, slice.count, expected, part.b - from + 1);
    fill();
    changed();
  };
  /** Where the next slice goes: the oldest time not asked for that may be asked for now. */
  const nextSpot = (): { at: number; part: Part; b: number } | undefined => {
    // As many slices wait as may: only time before the first of them is asked for.
    const full = parts[0]?.slice
      ? parts.reduce((n, p) => n + (p.query || p.slice ? 1 : 0), 0) >= most
      : parts.reduce((n, p) => n + (p.slice?.pages ?? 0), 0) >= mostWaiting;
    for (let at = 0; at < parts.length; at++) {
      const part = parts[at]!;
      if (part.error !== undefined || (full && part.slice)) return undefined;
      const b = Math.min(part.a + length.ms - 1, part.b);
      if (!part.query && !part.slice) return { at, part, b };
      // In front of a dense slice still walking back, as far as its pages have not reached. Its
      // density was seen at its far end: the first slice in front of it is three times as long
      // as that suggests, since a window often begins in time the VCO no longer holds. If that
      // time is full after all, it is found dense too and walked from both ends, at no cost.
      if (part.dense && part.error === undefined) {
        const reached = part.query!.reached;
        const guess = Math.min(part.a + 3 * length.ms - 1, part.b);
        if (!part.fronted && guess < reached) return { at, part, b: guess };
        if (b < reached) return { at, part, b };
      }
    }
    return undefined;
  };
  /** Keeps one slice of this enterprise, and as many as the slots allow, on their way. */
  const fill = () => {
    while (!closed) {
      const spot = nextSpot();
      if (!spot) return;
      const own = !parts.some((p) => p.query && p.error === undefined && !p.slot);
      if (!own && !slots.tryTake()) return;
      const { at, part, b } = spot;
      const a = part.a;
      part.a = b + 1;
      if (part.query) {
        part.query.front = b;
        part.fronted = true;
      } else if (part.a > part.b) parts.splice(at, 1);
      begin(at, a, b, !own);
    }
  };
  try {
    fill();
    while (parts.length > 0) {
      const head = parts[0]!;
      if (head.error !== undefined) throw head.error;
      if (!head.slice) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      parts.shift();
      for (const b of head.slice.batches) b.unpark();
      // The next slices are asked for before this one is handed over: the VCO renders them while
      // this one is written.
      fill();
      yield head.slice;
    }
  } finally {
    // Stopped early (an error, a signal): the slices started ahead are not needed.
    closed = true;
    for (const part of parts) {
      part.query?.cancel();
      release(part);
      for (const b of part.slice?.batches ?? []) b.release();
    }
  }
}

function oldestIn(pages: EventPage[]): number {
  let oldest = Number.POSITIVE_INFINITY;
  for (const p of pages) if (p.batch.count > 0) oldest = Math.min(oldest, p.batch.oldest);
  return oldest;
}

/** Part of a window: a slice asked for, a finished slice, or (neither) time not asked for yet. */
interface Part {
  a: number;
  b: number;
  query?: SliceQuery;
  /** Holds one of the shared slots (until its query finishes). */
  slot: boolean;
  /** Its query found it dense: the time in front of its pages may be asked for meanwhile. */
  dense?: boolean;
  /** Some of the time in front of it has been asked for. */
  fronted?: boolean;
  /** The events its length was chosen for, when anything was known. */
  expected?: number | undefined;
  slice?: Slice;
  error?: unknown;
}

type Done = Extract<SliceOutcome, { kind: "done" }>;

function toSlice(start: number, end: number, pages: EventPage[], outside: number): Slice {
  let count = -outside;
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
