import type { ConfigFile, OrchestratorConfig } from "../config-file.js";
import { OrchestratorFailedError, RunFailedError, describeError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../time.js";
import { RequestGate } from "../vco/gate.js";
import type { FetchSummary } from "./fetch.js";

export type RunOne = (
  config: OrchestratorConfig,
  logger: Logger,
  gate: RequestGate,
) => Promise<FetchSummary>;

/**
 * Every orchestrator of the file at once, each in its own subtree with its own lock, and all under
 * one bound on requests in flight (VCO_TOTAL_IN_FLIGHT) on top of each one's VCO_MAX_IN_FLIGHT.
 * One that is down, slow or refused only ends its own run; after all have ended, the failures are
 * thrown together so the exit code is that of the most serious one.
 */
export async function fetchAll(
  file: ConfigFile,
  logger: Logger,
  clock: Clock,
  signal: AbortSignal | undefined,
  runOne: RunOne,
): Promise<FetchSummary> {
  const gate = new RequestGate(file.totalInFlight, clock, signal);
  const outcomes = await Promise.all(
    file.orchestrators.map(async (config) => {
      const log = logger.child({ orchestrator: config.name });
      try {
        return { config, summary: await runOne(config, log, gate) };
      } catch (err) {
        // Enterprise failures were logged as they happened; a failure of the whole run was not.
        if (!(err instanceof RunFailedError)) {
          log.error(
            { event: "orchestrator-failed", error: describeError(err) },
            "this orchestrator's run failed",
          );
        }
        const failures = err instanceof RunFailedError ? err.failures : [err];
        return { config, error: new OrchestratorFailedError(config.name, failures) };
      }
    }),
  );
  const failed = outcomes.flatMap((o) => (o.error ? [o.error] : []));
  const results = outcomes.flatMap((o) => o.summary?.results ?? []);
  logger.info(
    {
      event: "orchestrators-finished",
      orchestrators: outcomes.length,
      failed: failed.map((f) => f.orchestrator),
      written: results.reduce((n, r) => n + r.written, 0),
    },
    failed.length ? "every orchestrator had its turn; some failed" : "every orchestrator is done",
  );
  if (failed.length > 0) throw new RunFailedError(failed);
  return {
    results,
    requests: outcomes.reduce((n, o) => n + (o.summary?.requests ?? 0), 0),
  };
}
