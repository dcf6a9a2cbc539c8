import path from "node:path";
import * as z from "zod";
import { ConfigError } from "./errors.js";
import { proxyFor, ProxySettingError, type ProxyTarget } from "./net/proxy-env.js";
import { isLoopback } from "./net/loopback.js";
import { CATEGORIES, SEVERITIES, type EventFilter } from "./filter/event-filter.js";
import { parseDuration } from "./time.js";
import { DEFAULT_STREAMS, STREAMS, type StreamName } from "./vco/streams.js";

export type Credentials =
  | { kind: "token"; token: string }
  | { kind: "password"; username: string; password: string; loginType: "enterprise" | "operator" };

export interface Config {
  /** Base URL with no trailing slash, e.g. https://vco.example.com */
  baseUrl: string;
  credentials: Credentials;
  enterpriseIds: number[] | undefined;
  /** Which event streams to fetch (VCO_STREAMS); enterprise by default. */
  streams: StreamName[];
  /** Which events to write (VCO_MIN_SEVERITY, VCO_EVENTS_INCLUDE/EXCLUDE, VCO_CATEGORIES). */
  filter: EventFilter;
  dataDir: string;
  caFile: string | undefined;
  tlsInsecure: boolean;
  /** The HTTP proxy the VCO is reached through (VCO_PROXY, HTTPS_PROXY, ... and NO_PROXY). */
  proxy: ProxyTarget | undefined;
  overlapMs: number;
  lookbackMs: number;
  maxInFlight: number;
  enterpriseConcurrency: number;
  requestTimeoutMs: number;
  retryBudgetMs: number;
  /** How often a long run logs how far it has got. */
  progressIntervalMs: number;
  logLevel: string;
}

export const DEFAULTS = {
  dataDir: "./data",
  overlap: "15m",
  lookback: "24h",
  maxInFlight: 3,
  enterpriseConcurrency: 4,
  requestTimeout: "60s",
  retryBudget: "5m",
  progressInterval: "30s",
  logLevel: "info",
} as const;

const duration = (name: string, fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const ms = parseDuration(v?.trim() || fallback);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({
          code: "custom",
          message: `${name} must be a duration like 30s, 15m, 2h or 7d`,
        });
        return z.NEVER;
      }
      return ms;
    });

const positiveInt = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const n = v?.trim() ? Number(v) : fallback;
      if (!Number.isInteger(n) || n < 1 || n > 64) {
        ctx.addIssue({ code: "custom", message: `${name} must be a whole number from 1 to 64` });
        return z.NEVER;
      }
      return n;
    });

const empty = (v: string | undefined) => (v?.trim() ? v : undefined);

/** A true/false setting (also 1/0, yes/no); unset or empty is false. */
export const flag = (name: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = (v ?? "").trim().toLowerCase();
      if (["", "0", "false", "no"].includes(s)) return false;
      if (["1", "true", "yes"].includes(s)) return true;
      ctx.addIssue({ code: "custom", message: `${name} must be true or false` });
      return z.NEVER;
    });

const list = (v: string | undefined): string[] => (v ?? "").split(/[\s,]+/).filter(Boolean);

/** A comma-separated list whose every item must be one of `allowed` (case-insensitive). */
const oneOfList = <T extends string>(name: string, allowed: readonly T[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const items = list(v).map((s) => s.toUpperCase());
      const bad = items.filter((s) => !(allowed as readonly string[]).includes(s));
      if (bad.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `${name} has ${bad.join(", ")}: use any of ${allowed.join(", ")}`,
        });
        return z.NEVER;
      }
      return [...new Set(items)] as T[];
    });

/** Event names, each exact or with one trailing `*` (a prefix); a `*` elsewhere is a typo. */
const eventPatterns = (name: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const items = list(v);
      const bad = items.filter((s) => s.slice(0, -1).includes("*"));
      if (bad.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `${name} has ${bad.join(", ")}: a * may only end a name (MGD_*)`,
        });
        return z.NEVER;
      }
      return [...new Set(items)];
    });

const envSchema = z.object({
  VCO_HOSTNAME: z
    .string({
      error: "VCO_HOSTNAME is not set: give the orchestrator's host, e.g. vco.example.com",
    })
    .transform((v, ctx) => {
      try {
        return parseHostname(v);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: (e as Error).message });
        return z.NEVER;
      }
    }),
  VCO_TOKEN: z.string().optional().transform(empty),
  VCO_USERNAME: z.string().optional().transform(empty),
  VCO_PASSWORD: z.string().optional().transform(empty),
  VCO_LOGIN_TYPE: z
    .enum(["enterprise", "operator"], {
      error: "VCO_LOGIN_TYPE must be enterprise (customers and partners) or operator",
    })
    .optional(),
  VCO_ENTERPRISE_IDS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v?.trim()) return undefined;
      const ids = v
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number);
      if (ids.some((n) => !Number.isInteger(n) || n <= 0)) {
        ctx.addIssue({
          code: "custom",
          message:
            "VCO_ENTERPRISE_IDS must be a comma-separated list of enterprise ids, e.g. 12,57",
        });
        return z.NEVER;
      }
      return ids;
    }),
  VCO_STREAMS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const items = list(v).map((s) => s.toLowerCase());
      const bad = items.filter((s) => !(STREAMS as readonly string[]).includes(s));
      if (bad.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `VCO_STREAMS has ${bad.join(", ")}: use any of ${STREAMS.join(", ")}`,
        });
        return z.NEVER;
      }
      return items.length > 0 ? ([...new Set(items)] as StreamName[]) : DEFAULT_STREAMS;
    }),
  VCO_MIN_SEVERITY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = v?.trim().toUpperCase();
      if (!s) return undefined;
      if (!(SEVERITIES as readonly string[]).includes(s)) {
        ctx.addIssue({
          code: "custom",
          message: `VCO_MIN_SEVERITY must be one of ${SEVERITIES.join(", ")}`,
        });
        return z.NEVER;
      }
      return s as (typeof SEVERITIES)[number];
    }),
  VCO_EVENTS_INCLUDE: eventPatterns("VCO_EVENTS_INCLUDE"),
  VCO_EVENTS_EXCLUDE: eventPatterns("VCO_EVENTS_EXCLUDE"),
  VCO_CATEGORIES: oneOfList("VCO_CATEGORIES", CATEGORIES),
  VCO_DATA_DIR: z.string().optional().transform(empty),
  VCO_CA_FILE: z.string().optional().transform(empty),
  VCO_TLS_INSECURE: flag("VCO_TLS_INSECURE"),
  VCO_OVERLAP: duration("VCO_OVERLAP", DEFAULTS.overlap),
  VCO_LOOKBACK: duration("VCO_LOOKBACK", DEFAULTS.lookback),
  VCO_MAX_IN_FLIGHT: positiveInt("VCO_MAX_IN_FLIGHT", DEFAULTS.maxInFlight),
  VCO_ENTERPRISE_CONCURRENCY: positiveInt(
    "VCO_ENTERPRISE_CONCURRENCY",
    DEFAULTS.enterpriseConcurrency,
  ),
  VCO_REQUEST_TIMEOUT: duration("VCO_REQUEST_TIMEOUT", DEFAULTS.requestTimeout),
  VCO_RETRY_BUDGET: duration("VCO_RETRY_BUDGET", DEFAULTS.retryBudget),
  VCO_PROGRESS_INTERVAL: duration("VCO_PROGRESS_INTERVAL", DEFAULTS.progressInterval),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .optional(),
});

/**
 * Accepts "vco.example.com", "vco.example.com/", "vco.example.com:8443" or a full URL.
 * No scheme means https; plain http is only allowed to loopback (the simulator, tests).
 */
export function parseHostname(raw: string): string {
  const text = raw.trim();
  if (!text)
    throw new Error("VCO_HOSTNAME is empty: give the orchestrator's host, e.g. vco.example.com");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`VCO_HOSTNAME "${text}" is not a host name or URL, e.g. vco.example.com`);
  }
  if (url.username || url.password) {
    throw new Error(
      "VCO_HOSTNAME must not contain credentials: use VCO_TOKEN or VCO_USERNAME/VCO_PASSWORD",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`VCO_HOSTNAME uses ${url.protocol}// but only https:// is supported`);
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new Error(
      `VCO_HOSTNAME uses http:// for ${url.hostname}: plain HTTP would send credentials in clear, ` +
        "so it is only allowed for loopback; use https://",
    );
  }
  const p = url.pathname.replace(/\/+$/, "").replace(/\/portal(\/rest)?$/, "");
  if (p !== "" || url.search || url.hash) {
    throw new Error(`VCO_HOSTNAME "${text}" has a path; give just the host, e.g. ${url.host}`);
  }
  return `${url.protocol}//${url.host}`;
}

export interface ConfigOverrides {
  dataDir?: string | undefined;
}

/** Validate the whole environment at once so the user sees every problem in one message. */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = parsed.success ? [] : parsed.error.issues.map((i) => i.message);
  const e = parsed.success ? parsed.data : undefined;

  let credentials: Credentials | undefined;
  if (e?.VCO_TOKEN) {
    credentials = { kind: "token", token: e.VCO_TOKEN };
  } else if (e?.VCO_USERNAME && e.VCO_PASSWORD) {
    credentials = {
      kind: "password",
      username: e.VCO_USERNAME,
      password: e.VCO_PASSWORD,
      loginType: e.VCO_LOGIN_TYPE ?? "enterprise",
    };
  } else if (e) {
    problems.push(
      e.VCO_USERNAME
        ? "VCO_PASSWORD is not set: it goes with VCO_USERNAME (or set VCO_TOKEN instead)"
        : e.VCO_PASSWORD
          ? "VCO_USERNAME is not set: it goes with VCO_PASSWORD (or set VCO_TOKEN instead)"
          : "no credentials: set VCO_TOKEN, or VCO_USERNAME and VCO_PASSWORD",
    );
  } else if (!env.VCO_TOKEN?.trim() && !(env.VCO_USERNAME?.trim() && env.VCO_PASSWORD?.trim())) {
    problems.push("no credentials: set VCO_TOKEN, or VCO_USERNAME and VCO_PASSWORD");
  }

  let proxy: ProxyTarget | undefined;
  if (e) {
    try {
      proxy = proxyFor(new URL(e.VCO_HOSTNAME), env);
    } catch (err) {
      if (!(err instanceof ProxySettingError)) throw err;
      problems.push(err.message);
    }
  }

  if (problems.length > 0 || !e || !credentials) {
    throw new ConfigError(
      `configuration: ${problems.join("; ")} (set these in the environment or in .env; see .env.example)`,
    );
  }
  return {
    baseUrl: e.VCO_HOSTNAME,
    credentials,
    enterpriseIds: e.VCO_ENTERPRISE_IDS,
    streams: e.VCO_STREAMS,
    filter: {
      minSeverity: e.VCO_MIN_SEVERITY,
      include: e.VCO_EVENTS_INCLUDE,
      exclude: e.VCO_EVENTS_EXCLUDE,
      categories: e.VCO_CATEGORIES,
    },
    dataDir: path.resolve(overrides.dataDir ?? e.VCO_DATA_DIR ?? DEFAULTS.dataDir),
    caFile: e.VCO_CA_FILE,
    tlsInsecure: e.VCO_TLS_INSECURE,
    proxy,
    overlapMs: e.VCO_OVERLAP,
    lookbackMs: e.VCO_LOOKBACK,
    maxInFlight: e.VCO_MAX_IN_FLIGHT,
    enterpriseConcurrency: e.VCO_ENTERPRISE_CONCURRENCY,
    requestTimeoutMs: e.VCO_REQUEST_TIMEOUT,
    retryBudgetMs: e.VCO_RETRY_BUDGET,
    progressIntervalMs: e.VCO_PROGRESS_INTERVAL,
    logLevel: e.LOG_LEVEL ?? DEFAULTS.logLevel,
  };
}

/** Data dir for commands that do not talk to the VCO (status): no credentials needed. */
export function dataDirFrom(env: NodeJS.ProcessEnv, flag?: string): string {
  return path.resolve(flag ?? empty(env.VCO_DATA_DIR) ?? DEFAULTS.dataDir);
}
