import type { AxiosInstance } from "axios";
import { loadConfig, type Config } from "../config.js";
import { configFileFrom, ignoredVariables, loadConfigFile } from "../config-file.js";
import { ConfigError, RunFailedError } from "../errors.js";
import { deliverAfterFetch } from "../forward/after-fetch.js";
import { configuredSinks, distinctSinks, logSinkWarnings, type Sink } from "../forward/targets.js";
import { createLogger, type Logger } from "../logger.js";
import { fetchAll } from "./fetch-all.js";
import { readEnterpriseCache } from "../store/enterprise-cache.js";
import { acquireLock } from "../store/lock.js";
import {
  readOrchestratorState,
  writeOrchestratorState,
  type OrchestratorState,
} from "../store/orchestrator-state.js";
import { assignFolders } from "../store/paths.js";
import { ensureStateDir } from "../store/state.js";
import { enterprisesToPoll } from "../sync/enterprise-list.js";
import { syncTarget, type SyncResult } from "../sync/enterprise-sync.js";
import { mapLimit } from "../sync/map-limit.js";
import { Progress, type ProgressOutput } from "../sync/progress.js";
import { sliceSlots } from "../sync/slices.js";
import { enterpriseTarget, ownStreamTarget, type StreamTarget } from "../sync/stream-target.js";
import { MemoryReleaser } from "../vco/release-memory.js";
import {
  collectOldGenerationSooner,
  keepYoungGenerationSmall,
  optimizeHeapForSize,
} from "../heap-sizing.js";
import { formatDuration, iso, parseSince, systemClock, type Clock } from "../time.js";
import { VcoClient } from "../vco/client.js";
import type { RequestGate } from "../vco/gate.js";
import { createHttp } from "../vco/http.js";
import { CLOCK_RESOLUTION_MS, CLOCK_WARN_MS, VcoClock } from "../vco/vco-clock.js";

/** How long a remembered clock offset that has not moved goes without being written again. */
const REMEASURE_MS = 3_600_000;

export interface FetchOptions {
  env: NodeJS.ProcessEnv;
  /** --config: the file naming several orchestrators (else VCO_CONFIG, else the environment). */
  configFile?: string | undefined;
  since?: string | undefined;
  dataDir?: string | undefined;
  clock?: Clock;
  logger?: Logger;
  http?: AxiosInstance;
  /** Abort to stop at the next safe point (the CLI wires SIGTERM and SIGINT here). */
  signal?: AbortSignal;
  /** Where a terminal's progress line goes (the CLI passes stderr when it is a TTY). */
  progressOutput?: ProgressOutput | undefined;
}

export interface FetchSummary {
  results: SyncResult[];
  requests: number;
}

/**
 * The main job: authenticate, find the enterprises, and bring each one's events.json up to date;
 * with a configuration file, for each orchestrator it names, side by side (fetch-all.ts).
 * Throws a RunFailedError with every enterprise failure after every enterprise has had its turn.
 */
export async function fetchCommand(opts: FetchOptions): Promise<FetchSummary> {
  keepYoungGenerationSmall();
  collectOldGenerationSooner();
  if (opts.since !== undefined && parseSince(opts.since, 0) === undefined) {
    throw new ConfigError(
      `--since "${opts.since}" is not a time: use ISO 8601 (2024-05-01T00:00:00Z) or a lookback like 2h or 7d`,
    );
  }
  const clock = opts.clock ?? systemClock;
  // A typo in a sink's settings fails here, before any fetch; a sink that is down never does.
  const sinks = configuredSinks(opts.env);
  /** After an orchestrator's run, whatever it did, its files go to the sinks. */
  const delivering = async (
    dataDir: string,
    logger: Logger,
    run: Promise<FetchSummary>,
    sinks: Sink[],
  ) => {
    try {
      return await run;
    } finally {
      await deliverAfterFetch({ dataDir, sinks, clock, logger, signal: opts.signal });
    }
  };
  const file = configFileFrom(opts.env, opts.configFile);
  if (file) {
    const many = await loadConfigFile(file, opts.env, { dataDir: opts.dataDir });
    if (many.orchestrators.every((o) => o.sinks.length === 0)) optimizeHeapForSize();
    const logger = opts.logger ?? createLogger(many.orchestrators[0]!.logLevel);
    logSinkWarnings(distinctSinks(many.orchestrators.flatMap((o) => o.sinks)), logger);
    const ignored = ignoredVariables(opts.env);
    if (ignored.length > 0) {
      logger.warn(
        { event: "variables-ignored", variables: ignored },
        `${ignored.join(", ")} ${ignored.length === 1 ? "is" : "are"} ignored with VCO_CONFIG: each orchestrator's settings come from ${file}`,
      );
    }
    // Each orchestrator makes its own HTTP instance: an injected one knows only one base URL.
    const { http: _one, ...shared } = opts;
    return fetchAll(many, logger, clock, opts.signal, (config, log, gate) =>
      delivering(
        config.dataDir,
        log,
        fetchOrchestrator(config, { ...shared, logger: log, sharedGate: gate }),
        config.sinks,
      ),
    );
  }
  const config = loadConfig(opts.env, { dataDir: opts.dataDir });
  if (sinks.length === 0) optimizeHeapForSize();
  const logger = opts.logger ?? createLogger(config.logLevel);
  logSinkWarnings(sinks, logger);
  return delivering(config.dataDir, logger, fetchOrchestrator(config, { ...opts, logger }), sinks);
}

interface OrchestratorRun extends Omit<FetchOptions, "env" | "dataDir" | "configFile"> {
  logger: Logger;
  /** The bound on requests in flight that several orchestrators in one process share. */
  sharedGate?: RequestGate | undefined;
}

/** One orchestrator's run into its data dir: the whole job without VCO_CONFIG. */
async function fetchOrchestrator(config: Config, opts: OrchestratorRun): Promise<FetchSummary> {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger;
  if (config.tlsInsecure) {
    logger.warn(
      { event: "tls-insecure" },
      "VCO_TLS_INSECURE is set: the orchestrator's certificate is NOT checked, so anyone in between can read the credentials. Use VCO_CA_FILE instead",
    );
  }
  if (config.proxy) {
    logger.debug(
      { event: "proxy", proxy: config.proxy.display, from: config.proxy.source },
      "using a proxy",
    );
  }

  const lock = acquireLock(await ensureStateDir(config.dataDir));
  const known = await readOrchestratorState(config.dataDir, config.baseUrl);
  const vcoClock = new VcoClock(clock, known?.clock?.offsetMs ?? 0);
  const http =
    opts.http ??
    createHttp({
      baseUrl: config.baseUrl,
      timeoutMs: config.requestTimeoutMs,
      caFile: config.caFile,
      tlsInsecure: config.tlsInsecure,
      maxSockets: config.maxInFlight,
      proxy: config.proxy,
    });
  const client = new VcoClient({
    http,
    credentials: config.credentials,
    clock,
    logger,
    maxInFlight: config.maxInFlight,
    retryBudgetMs: config.retryBudgetMs,
    signal: opts.signal,
    vcoClock,
    established: await hasWorkedBefore(config, known),
    sharedGate: opts.sharedGate,
    releaser: new MemoryReleaser(),
  });
  const started = clock.now();
  let worked = false;
  const clockWarning = once(() => warnAboutClock(vcoClock, logger));
  const progress = new Progress({
    clock,
    logger,
    output: opts.progressOutput,
    logEveryMs: config.progressIntervalMs,
  });
  try {
    // Enterprises are listed only for the enterprise stream: the partner and operator streams
    // read the principal's own events, and their method says whether it may.
    const wantsEnterprises = config.streams.includes("enterprise");
    const { enterprises } = wantsEnterprises
      ? await enterprisesToPoll(client, config, clock, logger)
      : { enterprises: [] };
    worked = wantsEnterprises;
    clockWarning();
    // The first run's window ends at the VCO's now, so it also starts from the VCO's now.
    const firstStart =
      parseSince(opts.since ?? "", vcoClock.now()) ?? vcoClock.now() - config.lookbackMs;
    const folders = assignFolders(enterprises);
    // The partner and operator streams first: one each, they should not wait behind a thousand
    // enterprises for a turn.
    const targets: StreamTarget[] = [
      ...config.streams.flatMap((s) =>
        s === "enterprise" ? [] : [ownStreamTarget(s, config.filter)],
      ),
      ...enterprises.map((e) => enterpriseTarget(e, folders.get(e.id)!, config.filter)),
    ];
    // Up to VCO_MAX_IN_FLIGHT slices at once for one enterprise; with several, each keeps one and
    // they share the rest, so memory follows the in-flight limit, not the number of enterprises.
    const slots = sliceSlots(config.maxInFlight - 1);
    // Each enterprise runs on its own: one that fails or stalls does not hold the others back,
    // and all of them share the client's in-flight limit and 429 penalty.
    const results = await mapLimit(targets, config.enterpriseConcurrency, (target) =>
      syncTarget({
        client,
        vco: config.baseUrl,
        dataDir: config.dataDir,
        target,
        clock,
        vcoNow: () => vcoClock.now(),
        logger,
        overlapMs: config.overlapMs,
        firstStart,
        progress: progress.track(target.name || String(target.id)),
        slots,
      }),
    );
    clockWarning();
    const failed = results.filter((r) => r.error !== undefined);
    worked ||= failed.length < results.length;
    logger.info(
      {
        event: "run-finished",
        enterprises: results.filter((r) => r.stream === "enterprise").length,
        streams: results.filter((r) => r.stream !== "enterprise").map((r) => r.stream),
        failed: failed.length,
        written: results.reduce((n, r) => n + r.written, 0),
        requests: client.requests,
        ms: clock.now() - started,
        ...(vcoClock.measured ? { vcoClockOffsetMs: vcoClock.measured.offsetMs } : {}),
      },
      failed.length ? "run finished with failures" : "run finished",
    );
    if (failed.length > 0) throw new RunFailedError(failed.map((r) => r.error));
    return { results, requests: client.requests };
  } finally {
    progress.stop();
    await client.logout().catch(() => {});
    client.close();
    await saveOrchestrator(config, known, vcoClock, worked, clock).catch((err: unknown) =>
      logger.debug(
        { event: "orchestrator-state-not-saved", error: String(err) },
        "could not save the orchestrator state",
      ),
    );
    lock.release();
  }
}

/** A data dir that has listed this VCO's enterprises before (the cache counts: it predates this file). */
async function hasWorkedBefore(config: Config, known: OrchestratorState | undefined) {
  if (known?.workedAt) return true;
  const cache = await readEnterpriseCache(config.dataDir);
  return cache?.vco === config.baseUrl;
}

async function saveOrchestrator(
  config: Config,
  known: OrchestratorState | undefined,
  vcoClock: VcoClock,
  worked: boolean,
  clock: Clock,
): Promise<void> {
  const measured = vcoClock.measured;
  if (!measured && !(worked && !known?.workedAt)) return;
  // A quiet cron run pays two fsyncs for this file: skip them while nothing has moved.
  const same =
    measured &&
    known?.clock &&
    (known.workedAt || !worked) &&
    Math.abs(measured.offsetMs - known.clock.offsetMs) < CLOCK_RESOLUTION_MS &&
    measured.at - Date.parse(known.clock.measuredAt) < REMEASURE_MS;
  if (same) return;
  await writeOrchestratorState(config.dataDir, {
    version: 1,
    vco: config.baseUrl,
    workedAt: known?.workedAt ?? (worked ? iso(clock.now()) : null),
    clock: measured
      ? { offsetMs: measured.offsetMs, measuredAt: iso(measured.at) }
      : (known?.clock ?? null),
  });
}

function warnAboutClock(vcoClock: VcoClock, logger: Logger): boolean {
  const m = vcoClock.measured;
  if (!m) return false;
  if (Math.abs(m.offsetMs) > CLOCK_WARN_MS) {
    logger.warn(
      { event: "clock-offset", vcoClockOffsetMs: m.offsetMs },
      `the orchestrator's clock is ${formatDuration(Math.abs(m.offsetMs))} ${m.offsetMs < 0 ? "behind" : "ahead of"} ours: ` +
        "cursors follow the orchestrator's clock, so nothing is lost, but fix NTP on whichever side is wrong",
    );
  }
  return true;
}

/** Calls `fn` until it returns true, then never again. */
function once(fn: () => boolean): () => void {
  let done = false;
  return () => {
    if (!done) done = fn();
  };
}
