import type { Logger } from "../logger.js";
import type { Clock } from "../time.js";
import { hecSink } from "./hec/sink.js";
import { syslogSink } from "./syslog/sink.js";
import type { ForwardTarget } from "./target.js";

/** A configured sink: its name (for logs, status and its cursor file) and how to open it. */
export interface Sink {
  /** The target's name, with no secret in it ("syslog tls://siem:6514"): names its cursor too. */
  readonly name: string;
  /** Warnings to log on each run (plain TCP to a remote host, ...). */
  readonly warnings: ReadonlyArray<{ event: string; message: string }>;
  open(deps: SinkDeps): ForwardTarget;
}

/** What a target may need from the run that opens it. */
export interface SinkDeps {
  clock: Clock;
  logger: Logger;
  /** The run's stop signal (SIGTERM, SIGINT): a target ends its waits on it. */
  signal?: AbortSignal | undefined;
}

/**
 * One function per kind of target: reads that target's own variables (with zod; ConfigError when
 * they are wrong) and returns its sink, or undefined when it is not configured. Reads no file and
 * opens nothing. Adding a target is a line here.
 */
const SINKS: Array<(env: NodeJS.ProcessEnv) => Sink | undefined> = [syslogSink, hecSink];

/** Every sink the environment configures, in a fixed order. */
export function configuredSinks(env: NodeJS.ProcessEnv): Sink[] {
  return SINKS.map((make) => make(env)).filter((s): s is Sink => s !== undefined);
}

export function logSinkWarnings(sinks: Sink[], logger: Logger): void {
  for (const s of sinks) for (const w of s.warnings) logger.warn({ event: w.event }, w.message);
}

/** Each sink once by name (several orchestrators share the file's global sinks), for warnings. */
export function distinctSinks(sinks: Sink[]): Sink[] {
  return [...new Map(sinks.map((s) => [s.name, s])).values()];
}

/** The file name of a sink's cursor: its name made safe ("syslog-tls-siem.example.com-6514"). */
export function sinkId(name: string): string {
  return name
    .replace(/[^A-Za-z0-9.-]+/g, "-")
    .replace(/^[-.]+|-+$/g, "")
    .slice(0, 120);
}
