import { dataDirFrom } from "../config.js";
import { configFileFrom, loadConfigFile } from "../config-file.js";
import { ConfigError, OrchestratorFailedError, RunFailedError } from "../errors.js";
import { deliver, type Delivery } from "../forward/deliver.js";
import { configuredSinks, distinctSinks, logSinkWarnings } from "../forward/targets.js";
import { createLogger, type Logger } from "../logger.js";
import { systemClock, type Clock } from "../time.js";
import { keepYoungGenerationSmall } from "../heap-sizing.js";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export interface ForwardOptions {
  env: NodeJS.ProcessEnv;
  dataDir?: string | undefined;
  /** --config; VCO_CONFIG is read from `env`. */
  configFile?: string | undefined;
  clock?: Clock;
  logger?: Logger;
  signal?: AbortSignal;
}

const NO_SINK =
  "no sink is configured: set VCO_SYSLOG (e.g. tls://siem.example.com:6514) or VCO_HEC_URL, or sinks: in the configuration file; see README, Sending to a SIEM";

/**
 * Send every configured sink what the files hold past its cursor, to the end (a separate schedule,
 * or draining a backlog). Needs no orchestrator connection: the files are the source. With a
 * configuration file, each orchestrator's subtree goes to its effective sinks, one after another.
 */
export async function forwardCommand(opts: ForwardOptions): Promise<Delivery> {
  keepYoungGenerationSmall();
  const level = opts.env.LOG_LEVEL?.trim() ?? "";
  const logger = opts.logger ?? createLogger(LEVELS.includes(level) ? level : "info");
  const clock = opts.clock ?? systemClock;
  const file = configFileFrom(opts.env, opts.configFile);
  if (file) return forwardMany(file, opts, logger, clock);
  const sinks = configuredSinks(opts.env);
  if (sinks.length === 0) throw new ConfigError(NO_SINK);
  logSinkWarnings(sinks, logger);
  const result = await deliver({
    dataDir: dataDirFrom(opts.env, opts.dataDir),
    sinks,
    clock,
    logger,
    signal: opts.signal,
  });
  if (result.failures.length > 0) throw new RunFailedError(result.failures.map((f) => f.error));
  return result;
}

async function forwardMany(
  file: string,
  opts: ForwardOptions,
  logger: Logger,
  clock: Clock,
): Promise<Delivery> {
  const many = await loadConfigFile(file, opts.env, { dataDir: opts.dataDir });
  const all = distinctSinks(many.orchestrators.flatMap((o) => o.sinks));
  if (all.length === 0) throw new ConfigError(NO_SINK);
  logSinkWarnings(all, logger);
  const total: Delivery = { runs: [], failures: [] };
  const failed: OrchestratorFailedError[] = [];
  for (const o of many.orchestrators) {
    if (o.sinks.length === 0 || opts.signal?.aborted) continue;
    const log = logger.child({ orchestrator: o.name });
    try {
      const result = await deliver({
        dataDir: o.dataDir,
        sinks: o.sinks,
        clock,
        logger: log,
        signal: opts.signal,
      });
      total.runs.push(...result.runs);
      total.failures.push(...result.failures);
      if (result.failures.length > 0)
        failed.push(
          new OrchestratorFailedError(
            o.name,
            result.failures.map((f) => f.error),
          ),
        );
    } catch (err) {
      // One orchestrator's subtree (locked by another delivery, unreadable) does not stop the rest.
      total.failures.push({ sink: o.name, error: err });
      failed.push(new OrchestratorFailedError(o.name, [err]));
    }
  }
  if (failed.length > 0) throw new RunFailedError(failed);
  return total;
}
