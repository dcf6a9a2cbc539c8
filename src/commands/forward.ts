import { dataDirFrom } from "../config.js";
import { ConfigError, RunFailedError } from "../errors.js";
import { deliver, type Delivery } from "../forward/deliver.js";
import { configuredSinks, logSinkWarnings } from "../forward/targets.js";
import { createLogger, type Logger } from "../logger.js";
import { systemClock, type Clock } from "../time.js";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export interface ForwardOptions {
  env: NodeJS.ProcessEnv;
  dataDir?: string | undefined;
  clock?: Clock;
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Send every configured sink what the files hold past its cursor, to the end (a separate schedule,
 * or draining a backlog). Needs no orchestrator credentials: the files are the source.
 */
export async function forwardCommand(opts: ForwardOptions): Promise<Delivery> {
  const level = opts.env.LOG_LEVEL?.trim() ?? "";
  const logger = opts.logger ?? createLogger(LEVELS.includes(level) ? level : "info");
  const sinks = configuredSinks(opts.env);
  if (sinks.length === 0) {
    throw new ConfigError(
      "no sink is configured: set VCO_SYSLOG (e.g. tls://siem.example.com:6514); see README, Sending to a SIEM",
    );
  }
  logSinkWarnings(sinks, logger);
  const result = await deliver({
    dataDir: dataDirFrom(opts.env, opts.dataDir),
    sinks,
    clock: opts.clock ?? systemClock,
    logger,
    signal: opts.signal,
  });
  if (result.failures.length > 0) throw new RunFailedError(result.failures.map((f) => f.error));
  return result;
}
