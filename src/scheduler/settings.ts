import fs from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "../errors.js";
import { parseCrontab, parseSchedule, type CronEntry } from "./crontab.js";

export const DEFAULT_CRONTAB = "crontab";
export const DEFAULT_COMMAND = "vco-events fetch";
const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export interface ScheduleSettings {
  entries: CronEntry[];
  runOnStart: boolean;
  logLevel: string;
}

export interface SettingsInput {
  env: NodeJS.ProcessEnv;
  cwd: string;
  crontab?: string | undefined;
  runOnStart?: boolean | undefined;
}

/**
 * Where the jobs come from: --crontab, else VCO_CRONTAB, else ./crontab. VCO_SCHEDULE replaces
 * the schedule of every line (without a crontab file it schedules `vco-events fetch`), so the
 * timing can change without rebuilding the image or mounting a file.
 */
export async function loadSettings(i: SettingsInput): Promise<ScheduleSettings> {
  const file = path.resolve(i.cwd, i.crontab ?? (i.env.VCO_CRONTAB?.trim() || DEFAULT_CRONTAB));
  const override = i.env.VCO_SCHEDULE?.trim()
    ? parseSchedule(i.env.VCO_SCHEDULE, "VCO_SCHEDULE")
    : undefined;
  let text: string | undefined;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" || override === undefined || i.crontab !== undefined) {
      throw new ConfigError(
        `cannot read the crontab ${file} (${code ?? "error"}): give one with --crontab or ` +
          'VCO_CRONTAB, or set VCO_SCHEDULE="*/15 * * * *" to schedule `vco-events fetch`',
      );
    }
  }
  const entries =
    text === undefined
      ? [{ schedule: override!, command: DEFAULT_COMMAND, origin: "VCO_SCHEDULE" }]
      : parseCrontab(text, file).map((e) => (override ? { ...e, schedule: override } : e));
  return {
    entries,
    runOnStart: i.runOnStart ?? flag(i.env.VCO_RUN_ON_START, "VCO_RUN_ON_START", false),
    logLevel: level(i.env.LOG_LEVEL),
  };
}

function flag(value: string | undefined, name: string, fallback: boolean): boolean {
  const s = (value ?? "").trim().toLowerCase();
  if (s === "") return fallback;
  if (["1", "true", "yes"].includes(s)) return true;
  if (["0", "false", "no"].includes(s)) return false;
  throw new ConfigError(`${name} must be true or false, not "${value}"`);
}

function level(value: string | undefined): string {
  const s = value?.trim() || "info";
  if (!LEVELS.includes(s)) throw new ConfigError(`LOG_LEVEL must be one of ${LEVELS.join(", ")}`);
  return s;
}
