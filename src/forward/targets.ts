import type { Logger } from "../logger.js";
import { syslogSettingsFrom } from "./syslog/settings.js";
import { SyslogTarget } from "./syslog/target.js";
import type { ForwardTarget } from "./target.js";

/** A configured sink: its name (for logs, status and its cursor file) and how to open it. */
export interface Sink {
  readonly name: string;
  /** Warnings to log on each run (plain TCP to a remote host, ...). */
  readonly warnings: ReadonlyArray<{ event: string; message: string }>;
  open(): ForwardTarget;
}

/**
 * Every sink the environment configures, in a fixed order. Each target reads its own variables
 * with zod (throwing ConfigError); adding one is a line here. Reads no file and opens nothing.
 */
export function configuredSinks(env: NodeJS.ProcessEnv): Sink[] {
  const sinks: Sink[] = [];
  const syslog = syslogSettingsFrom(env);
  if (syslog) {
    sinks.push({
      name: syslog.name,
      warnings: syslog.plainRemote
        ? [
            {
              event: "syslog-plain-tcp",
              message: `VCO_SYSLOG sends events in clear over plain TCP to ${syslog.host}: use tls:// unless the network between is trusted`,
            },
          ]
        : [],
      open: () => new SyslogTarget(syslog),
    });
  }
  return sinks;
}

export function logSinkWarnings(sinks: Sink[], logger: Logger): void {
  for (const s of sinks) for (const w of s.warnings) logger.warn({ event: w.event }, w.message);
}

/** The file name of a sink's cursor: its name made safe ("syslog-tls-siem.example.com-6514"). */
export function sinkId(name: string): string {
  return name
    .replace(/[^A-Za-z0-9.-]+/g, "-")
    .replace(/^[-.]+|-+$/g, "")
    .slice(0, 120);
}
