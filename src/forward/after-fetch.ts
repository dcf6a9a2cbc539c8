import { LockedError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../time.js";
import { deliver, failureLine } from "./deliver.js";
import type { Sink } from "./targets.js";

/** How long fetch spends delivering after it has written; the rest waits for the next run. */
export const FETCH_DELIVERY_BUDGET_MS = 60_000;

/**
 * Deliver after a fetch has written. Never throws and never changes fetch's outcome: a sink that is
 * down costs a warning (`delivery-deferred`) and at most the budget, and its backlog goes out when
 * it is back.
 */
export async function deliverAfterFetch(o: {
  dataDir: string;
  sinks: Sink[];
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal | undefined;
  budgetMs?: number;
}): Promise<void> {
  if (o.sinks.length === 0 || o.signal?.aborted) return;
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(), o.budgetMs ?? FETCH_DELIVERY_BUDGET_MS);
  const stop = () => budget.abort();
  o.signal?.addEventListener("abort", stop, { once: true });
  try {
    const { runs, failures } = await deliver({
      dataDir: o.dataDir,
      sinks: o.sinks,
      clock: o.clock,
      logger: o.logger,
      signal: budget.signal,
      deadline: o.clock.now() + (o.budgetMs ?? FETCH_DELIVERY_BUDGET_MS),
    });
    for (const f of failures) {
      o.logger.warn(
        { event: "delivery-deferred", sink: f.sink, error: failureLine(f) },
        `delivery deferred: ${failureLine(f)}`,
      );
    }
    for (const r of runs.filter((r) => r.cut)) {
      o.logger.warn(
        { event: "delivery-deferred", sink: r.sink, sent: r.sent },
        `delivery deferred: ${r.sink} has more to send than fits in this run; the next run (or vco-events forward) goes on`,
      );
    }
  } catch (err) {
    if (err instanceof LockedError) {
      o.logger.info(
        { event: "delivery-skipped" },
        "another delivery (vco-events forward) is running; it sends what this run wrote",
      );
    } else {
      o.logger.warn(
        { event: "delivery-deferred", error: String((err as Error)?.message ?? err) },
        `delivery deferred: ${String((err as Error)?.message ?? err)}`,
      );
    }
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", stop);
  }
}
