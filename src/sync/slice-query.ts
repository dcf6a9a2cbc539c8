import type { Logger } from "../logger.js";
import type { VcoClient } from "../vco/client.js";
import { eventPages, type EventPage } from "../vco/events.js";
import type { EventSource } from "../vco/streams.js";
import { MAX_PER_SLICE, MIN_SLICE_MS, TARGET_PER_SLICE } from "./slicing.js";

/** How one slice's query ended. */
export type SliceOutcome =
  | { kind: "done"; pages: EventPage[] }
  /** Denser than a slice may be: walk [a, b] again in slices of `sliceMs`. */
  | { kind: "split"; sliceMs: number }
  | { kind: "cancelled" };

/** One slice's query, running on its own until it is complete, too dense, or cancelled. */
export interface SliceQuery {
  a: number;
  b: number;
  outcome: Promise<SliceOutcome>;
  /** Not needed any more: stop at the next page and give its memory back. */
  cancel(): void;
}

/**
 * Starts the query for [a, b] and follows its pages to the end. The first page says how dense the
 * slice is: one that would hold far more than a slice should is given up right there (one request
 * lost). A slice denser further back than its first page showed is given up at twice the target.
 * A one-second slice is taken whole, whatever it holds: it cannot be split further.
 */
export function startSliceQuery(
  client: VcoClient,
  source: EventSource | number,
  a: number,
  b: number,
  logger: Logger,
): SliceQuery {
  let cancelled = false;
  const span = b - a + 1;
  const splittable = span > MIN_SLICE_MS;
  const run = async (): Promise<SliceOutcome> => {
    const pages: EventPage[] = [];
    const giveUp = <T extends SliceOutcome>(outcome: T): T => {
      for (const p of pages) p.batch.release();
      return outcome;
    };
    let count = 0;
    for await (const page of eventPages(client, { source, start: a, end: b }, logger)) {
      pages.push(page);
      if (cancelled) return giveUp({ kind: "cancelled" });
      count += fresh(page);
      if (!splittable || !page.more) continue;
      if (pages.length === 1) {
        const covered = Math.max(b - Math.min(page.batch.oldest, b), MIN_SLICE_MS);
        const estimate = (fresh(page) * span) / covered;
        if (estimate > MAX_PER_SLICE) {
          const sliceMs = Math.max(MIN_SLICE_MS, Math.floor((TARGET_PER_SLICE * span) / estimate));
          return giveUp({ kind: "split", sliceMs: Math.min(Math.floor(span / 2), sliceMs) });
        }
      }
      if (count > MAX_PER_SLICE) {
        // Denser further back than its first page showed: cut it by what was seen.
        const sliceMs = sliceFromDensity(pages, b);
        return giveUp({ kind: "split", sliceMs: Math.min(Math.floor(span / 2), sliceMs) });
      }
    }
    if (cancelled) return giveUp({ kind: "cancelled" });
    return { kind: "done", pages };
  };
  const outcome = run();
  outcome.catch(() => {}); // read in order by the walker, or never if the run stops first
  return {
    a,
    b,
    outcome,
    cancel: () => {
      cancelled = true;
    },
  };
}

/** Events on the page that are not repeats. */
export const fresh = (page: EventPage): number => page.batch.count - page.repeats;

function sliceFromDensity(pages: EventPage[], end: number): number {
  let count = 0;
  let oldest = end;
  for (const p of pages) {
    count += fresh(p);
    oldest = Math.min(p.batch.oldest, oldest);
  }
  return Math.max(
    MIN_SLICE_MS,
    Math.floor((TARGET_PER_SLICE * Math.max(end - oldest, 1)) / Math.max(count, 1)),
  );
}
