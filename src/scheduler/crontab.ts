import { Cron } from "croner";
import { ConfigError } from "../errors.js";

/** One schedule line: when, and the command to run then. */
export interface CronEntry {
  schedule: string;
  command: string;
  /** Where the line came from, for log lines and error messages ("crontab:3"). */
  origin: string;
}

// Vixie cron's nicknames; @reboot has no meaning here (VCO_RUN_ON_START does that job).
const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/**
 * Read a crontab: `<5 cron fields> <command>` or `@daily <command>` per line; blank lines and
 * `#` comments are skipped. Unlike Vixie cron there are no `VAR=value` lines: each job gets the
 * scheduler's own environment, so set variables there (docker -e, env_file).
 */
export function parseCrontab(text: string, source: string): CronEntry[] {
  const entries: CronEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const origin = `${source}:${i + 1}`;
    const words = line.split(/\s+/);
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(line)) {
      throw new ConfigError(
        `${origin}: variable lines (${words[0]}) are not supported; jobs get the container's ` +
          "environment, so set the variable there (docker -e, env_file, .env)",
      );
    }
    const nick = words[0]!.startsWith("@");
    const fields = nick ? 1 : 5;
    if (nick && !(words[0]!.toLowerCase() in NICKNAMES)) {
      throw new ConfigError(
        `${origin}: ${words[0]} is not supported; use @hourly, @daily, @weekly, @monthly, @yearly` +
          (words[0] === "@reboot" ? ", and VCO_RUN_ON_START=true for a run at start-up" : ""),
      );
    }
    const schedule = nick
      ? (NICKNAMES[words[0]!.toLowerCase()] ?? words[0]!)
      : words.slice(0, fields).join(" ");
    // The command is the rest of the line as written, so quoting and spacing reach the shell intact.
    const command = line.replace(new RegExp(`^(\\S+\\s+){${fields}}`), "").trim();
    if (words.length <= fields) {
      throw new ConfigError(
        `${origin}: no command after the schedule; a line is "<minute> <hour> <day> <month> <weekday> <command>", e.g. "*/15 * * * * vco-events fetch"`,
      );
    }
    entries.push({ schedule: checkSchedule(schedule, origin, "5-part"), command, origin });
  });
  if (entries.length === 0) {
    throw new ConfigError(
      `${source} has no schedule lines; add one like "*/15 * * * * vco-events fetch"`,
    );
  }
  return entries;
}

/**
 * A schedule given on its own (VCO_SCHEDULE): 5 fields, an optional leading seconds field, or a
 * nickname like @hourly.
 */
export function parseSchedule(text: string, origin: string): string {
  const trimmed = text.trim().replace(/\s+/g, " ");
  return checkSchedule(NICKNAMES[trimmed.toLowerCase()] ?? trimmed, origin, "5-or-6-parts");
}

function checkSchedule(schedule: string, origin: string, mode: "5-part" | "5-or-6-parts"): string {
  try {
    new Cron(schedule, { paused: true, mode }).stop();
    return schedule;
  } catch (err) {
    throw new ConfigError(
      `${origin}: "${schedule}" is not a cron schedule (${(err as Error).message}); ` +
        'use five fields like "*/15 * * * *" (minute hour day-of-month month day-of-week)',
    );
  }
}
