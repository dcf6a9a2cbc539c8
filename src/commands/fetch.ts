import type { AxiosInstance } from "axios";
import { loadConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import { mostSerious } from "../exit-codes.js";
import { createLogger, type Logger } from "../logger.js";
import { acquireLock } from "../store/lock.js";
import { assignFolders } from "../store/paths.js";
import { ensureStateDir } from "../store/state.js";
import { enterprisesToPoll } from "../sync/enterprise-list.js";
import { syncEnterprise, type SyncResult } from "../sync/enterprise-sync.js";
import { mapLimit } from "../sync/map-limit.js";
import { parseSince, systemClock, type Clock } from "../time.js";
import { VcoClient } from "../vco/client.js";
import { createHttp } from "../vco/http.js";

export interface FetchOptions {
  env: NodeJS.ProcessEnv;
  since?: string | undefined;
  dataDir?: string | undefined;
  clock?: Clock;
  logger?: Logger;
  http?: AxiosInstance;
  /** Abort to stop at the next safe point (the CLI wires SIGTERM and SIGINT here). */
  signal?: AbortSignal;
}

export interface FetchSummary {
  results: SyncResult[];
  requests: number;
}

/**
 * The main job: authenticate, find the enterprises, and bring each one's events.json up to date.
 * Throws the most serious enterprise failure after every enterprise has had its turn.
 */
export async function fetchCommand(opts: FetchOptions): Promise<FetchSummary> {
  const clock = opts.clock ?? systemClock;
  const config = loadConfig(opts.env, { dataDir: opts.dataDir });
  const logger = opts.logger ?? createLogger(config.logLevel);
  const firstStart = parseSince(opts.since ?? "", clock.now()) ?? clock.now() - config.lookbackMs;
  if (opts.since !== undefined && parseSince(opts.since, clock.now()) === undefined) {
    throw new ConfigError(
      `--since "${opts.since}" is not a time: use ISO 8601 (2024-05-01T00:00:00Z) or a lookback like 2h or 7d`,
    );
  }
  if (config.tlsInsecure) {
    logger.warn(
      "VCO_TLS_INSECURE is set: the orchestrator's certificate is NOT checked, so anyone in between can read the credentials. Use VCO_CA_FILE instead",
    );
  }

  const lock = acquireLock(await ensureStateDir(config.dataDir));
  const http =
    opts.http ??
    createHttp({
      baseUrl: config.baseUrl,
      timeoutMs: config.requestTimeoutMs,
      caFile: config.caFile,
      tlsInsecure: config.tlsInsecure,
      maxSockets: config.maxInFlight,
    });
  const client = new VcoClient({
    http,
    credentials: config.credentials,
    clock,
    logger,
    maxInFlight: config.maxInFlight,
    retryBudgetMs: config.retryBudgetMs,
    signal: opts.signal,
  });
  const started = clock.now();
  try {
    const { enterprises } = await enterprisesToPoll(client, config, clock, logger);
    const folders = assignFolders(enterprises);
    // Each enterprise runs on its own: one that fails or stalls does not hold the others back,
    // and all of them share the client's in-flight limit and 429 penalty.
    const results = await mapLimit(enterprises, config.enterpriseConcurrency, (enterprise) =>
      syncEnterprise({
        client,
        vco: config.baseUrl,
        dataDir: config.dataDir,
        enterprise,
        folder: folders.get(enterprise.id)!,
        clock,
        logger,
        overlapMs: config.overlapMs,
        firstStart,
      }),
    );
    const failed = results.filter((r) => r.error !== undefined);
    logger.info(
      {
        enterprises: results.length,
        failed: failed.length,
        written: results.reduce((n, r) => n + r.written, 0),
        requests: client.requests,
        ms: clock.now() - started,
      },
      failed.length ? "run finished with failures" : "run finished",
    );
    if (failed.length > 0) throw mostSerious(failed.map((r) => r.error));
    return { results, requests: client.requests };
  } finally {
    await client.logout().catch(() => {});
    client.close();
    lock.release();
  }
}
