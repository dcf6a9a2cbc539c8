// The file that names several orchestrators (VCO_CONFIG or --config). Each entry becomes the same
// Config the single-orchestrator mode builds from the environment, so the rest of the code is shared:
// the entry's keys are turned into the variables config.ts already checks, and the settings the file
// does not hold (overlap, lookback, in-flight limits, timeouts, LOG_LEVEL) stay in the environment.
import fs from "node:fs";
import path from "node:path";
import * as z from "zod";
import { loadConfig, parseHostname, type Config } from "./config.js";
import { ConfigError } from "./errors.js";
import { CATEGORIES, SEVERITIES } from "./filter/event-filter.js";
import { proxyFor, ProxySettingError } from "./net/proxy-env.js";
import { STATE_DIR, folderName } from "./store/paths.js";
import { STREAMS } from "./vco/streams.js";
import { expandVariables } from "./config-vars.js";
import { effectiveSinks, sinksFromFile, sinksSchema } from "./forward/file-sinks.js";
import { configuredSinks, type Sink } from "./forward/targets.js";

export interface OrchestratorConfig extends Config {
  /** The entry's name: its folder under the data dir and the `orchestrator` field of its logs. */
  name: string;
  /** Its effective sinks: the environment's, the file's global `sinks:`, then its own. */
  sinks: Sink[];
}

export interface ConfigFile {
  file: string;
  /** The data dir that holds one folder per orchestrator. */
  dataDir: string;
  orchestrators: OrchestratorConfig[];
  /** Paths of secrets written into the file itself rather than as ${VAR} (check warns). */
  literalSecrets: string[];
  /** Requests in flight across every orchestrator of the process (VCO_TOTAL_IN_FLIGHT). */
  totalInFlight: number;
}

export const DEFAULT_TOTAL_IN_FLIGHT = 12;

const upper = (allowed: readonly string[]) =>
  z.preprocess(
    (v) => (typeof v === "string" ? v.trim().toUpperCase() : v),
    z.enum(allowed as [string, ...string[]], { error: `must be one of ${allowed.join(", ")}` }),
  );

const text = z.string({ error: "must be a string" }).trim().min(1, "must not be empty");

const filterSchema = z.strictObject({
  minSeverity: upper(SEVERITIES).optional(),
  include: z.array(text).optional(),
  exclude: z.array(text).optional(),
  categories: z.array(upper(CATEGORIES)).optional(),
});

const orchestratorSchema = z.strictObject({
  name: text.refine(
    (n) => folderName(n, 0) === n && n !== STATE_DIR,
    "must be usable as a folder name as it is: letters, digits, '.', '-' and '_', not starting with '.' or '_'",
  ),
  hostname: text,
  token: text.optional(),
  username: text.optional(),
  password: text.optional(),
  loginType: z
    .enum(["enterprise", "operator"], {
      error: "must be enterprise (customers and partners) or operator",
    })
    .optional(),
  enterpriseIds: z
    .array(z.number().int().positive(), {
      error: "must be a list of enterprise ids, e.g. [12, 57]",
    })
    .optional(),
  streams: z
    .array(z.enum(STREAMS, { error: `must be one of ${STREAMS.join(", ")}` }))
    .min(1, "must name at least one stream")
    .optional(),
  filter: filterSchema.optional(),
  caFile: text.optional(),
  tlsInsecure: z.boolean({ error: "must be true or false" }).optional(),
  proxy: text.optional(),
  sinks: sinksSchema.optional(),
});

const fileSchema = z.strictObject(
  {
    dataDir: text.optional(),
    sinks: sinksSchema.optional(),
    orchestrators: z
      .array(orchestratorSchema, { error: "must be a list of orchestrators (name, hostname, ...)" })
      .min(1, "must list at least one orchestrator"),
  },
  { error: "must hold dataDir (optional) and orchestrators" },
);

type Entry = z.infer<typeof orchestratorSchema>;

/** `orchestrators[1].hostname` from zod's ["orchestrators", 1, "hostname"]. */
export function pathText(parts: ReadonlyArray<PropertyKey>): string {
  return parts
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/** The file named by --config, else VCO_CONFIG, else none (the single-orchestrator mode). */
export function configFileFrom(env: NodeJS.ProcessEnv, flag?: string): string | undefined {
  const named = flag?.trim() || env.VCO_CONFIG?.trim();
  return named ? path.resolve(named) : undefined;
}

export interface FileOverrides {
  /** --data-dir; VCO_DATA_DIR is read from `env`. Both win over the file's dataDir. */
  dataDir?: string | undefined;
}

/** Read, expand and check the whole file; every problem is reported at once in one ConfigError. */
export async function loadConfigFile(
  file: string,
  env: NodeJS.ProcessEnv,
  overrides: FileOverrides = {},
): Promise<ConfigFile> {
  const expansion = expandVariables(await readYaml(file), env);
  const parsed = fileSchema.safeParse(expansion.value);
  const data = parsed.success ? parsed.data : undefined;
  // A field whose variable is missing is reported once, by the variable's name.
  const unset = expansion.missing.map((m) => m.path);
  const problems = [
    ...expansion.missing.map(
      (m) => `${m.path}: \${${m.name}} is not set (set it in the environment or in .env)`,
    ),
    ...[
      ...(parsed.success ? [] : parsed.error.issues.map((i) => describeIssue(i, expansion.value))),
      ...entryProblems(entriesOf(expansion.value)),
    ].filter((p) => !unset.some((u) => p.startsWith(`${u}:`) || p.startsWith(`${u}.`))),
  ];
  const totalInFlight = readTotalInFlight(env, problems);

  // The settings every orchestrator shares, checked once with a stand-in orchestrator.
  const shared = withoutPerOrchestrator(env);
  try {
    loadConfig({ ...shared, VCO_HOSTNAME: "https://localhost", VCO_TOKEN: "-" });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message.replace(/^configuration: /, "").replace(/ \(set these .*\)$/, ""));
  }
  const sinks = data ? sinksOf(data, env, problems) : [];
  if (problems.length > 0 || !data) throw fileError(file, problems);

  const dataDir = path.resolve(
    overrides.dataDir ??
      (env.VCO_DATA_DIR?.trim() ||
        (data.dataDir ? path.resolve(path.dirname(file), data.dataDir) : "./data")),
  );
  const orchestrators = data.orchestrators.map((o, i) => ({
    ...loadConfig(entryEnv(shared, o), { dataDir: path.join(dataDir, o.name) }),
    name: o.name,
    sinks: sinks[i]!,
  }));
  return {
    file,
    dataDir,
    orchestrators,
    literalSecrets: expansion.literalSecrets,
    totalInFlight,
  };
}

/** What `status` needs of the file, without any secret, read once. */
export interface Layout {
  /** Where each orchestrator's data lives. */
  dataDir: string;
  names: string[];
  streams: Record<string, string[]>;
  /** Each orchestrator's effective sinks (their names pick the cursors). */
  sinks: Record<string, Sink[]>;
}

/** Only where each orchestrator's data lives and what its sinks are: what `status` needs. */
export async function readLayout(
  file: string,
  env: NodeJS.ProcessEnv,
  overrides: FileOverrides = {},
): Promise<Layout> {
  const layout = z.object({
    dataDir: z.string().optional(),
    orchestrators: z.array(z.object({ name: orchestratorSchema.shape.name }).loose()).min(1),
  });
  const raw = (await readYaml(file)) as { dataDir?: unknown; orchestrators?: unknown };
  const wanted = {
    dataDir: raw?.dataDir,
    orchestrators: Array.isArray(raw?.orchestrators)
      ? raw.orchestrators.map((o: unknown) => ({ name: (o as { name?: unknown })?.name }))
      : raw?.orchestrators,
  };
  const expansion = expandVariables(wanted, env);
  const problems = expansion.missing.map((m) => `${m.path}: \${${m.name}} is not set`);
  const parsed = layout.safeParse(expansion.value);
  if (!parsed.success)
    problems.push(...parsed.error.issues.map((i) => describeIssue(i, expansion.value)));
  if (problems.length > 0 || !parsed.success) throw fileError(file, problems);
  const names = parsed.data.orchestrators.map((o) => o.name);
  // Each one's streams, leniently (status only needs to know which are still wanted).
  const streams: Record<string, string[]> = {};
  if (Array.isArray(raw?.orchestrators)) {
    for (const o of raw.orchestrators as Array<{ name?: unknown; streams?: unknown }>) {
      if (typeof o?.name !== "string") continue;
      streams[o.name] = Array.isArray(o.streams)
        ? o.streams.map((x) => String(x).toLowerCase())
        : ["enterprise"];
    }
  }
  const dataDir = path.resolve(
    overrides.dataDir ??
      (env.VCO_DATA_DIR?.trim() ||
        (parsed.data.dataDir ? path.resolve(path.dirname(file), parsed.data.dataDir) : "./data")),
  );
  return { dataDir, names, streams, sinks: layoutSinks(raw, env) };
}

/**
 * Each orchestrator's effective sinks, for status: leniently, since status needs no valid setup; a
 * block that does not check out is left out (fetch and check name it).
 */
function layoutSinks(raw: unknown, env: NodeJS.ProcessEnv): Record<string, Sink[]> {
  const ignore: string[] = [];
  const block = (v: unknown) => {
    const parsed = sinksSchema.safeParse(expandVariables(v, env).value);
    return parsed.success ? parsed.data : undefined;
  };
  const top = raw as { sinks?: unknown; orchestrators?: unknown } | null;
  const fromEnv = configuredSinks(env);
  const global = sinksFromFile(block(top?.sinks), "sinks", ignore);
  const out: Record<string, Sink[]> = {};
  if (!Array.isArray(top?.orchestrators)) return out;
  for (const o of top.orchestrators as Array<{ name?: unknown; sinks?: unknown }>) {
    if (typeof o?.name !== "string") continue;
    const own = sinksFromFile(block(o.sinks), "", ignore);
    out[o.name] = effectiveSinks(
      [
        { from: "", sinks: fromEnv },
        { from: "", sinks: global },
        { from: "", sinks: own },
      ],
      "",
      ignore,
    );
  }
  return out;
}

/** Each orchestrator's effective sinks (file-sinks.ts); problems name the key's path. */
function sinksOf(
  data: z.infer<typeof fileSchema>,
  env: NodeJS.ProcessEnv,
  problems: string[],
): Sink[][] {
  let fromEnv: Sink[] = [];
  try {
    fromEnv = configuredSinks(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message.replace(/^configuration: /, ""));
  }
  const global = sinksFromFile(data.sinks, "sinks", problems);
  return data.orchestrators.map((o, i) => {
    const at = `orchestrators[${i}].sinks`;
    const own = sinksFromFile(o.sinks, at, problems);
    return effectiveSinks(
      [
        { from: "the environment", sinks: fromEnv },
        { from: "sinks", sinks: global },
        { from: at, sinks: own },
      ],
      `orchestrators[${i}]`,
      problems,
    );
  });
}

/**
 * The file as plain data. The YAML parser is loaded here, when a file is named: a run of the
 * single-orchestrator mode (most cron runs) never loads it, which saves it about 17 ms of start-up.
 */
async function readYaml(file: string): Promise<unknown> {
  let source: string;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(
      `cannot read the configuration file ${file} (${code}): check VCO_CONFIG or --config`,
    );
  }
  // yaml is CommonJS: its exports are the default export, under Node as in the bundle (where
  // esbuild gives a CommonJS chunk no named exports).
  const { parseDocument } = (await import("yaml")).default;
  const doc = parseDocument(source, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw fileError(
      file,
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        const what = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        return `${at ? `line ${at.line}, column ${at.col}: ` : ""}${what}`;
      }),
    );
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const where = pathText(issue.path);
  if (issue.code === "unrecognized_keys") {
    const prefix = where ? `${where}.` : "";
    return issue.keys.map((k) => `${prefix}${k}: unknown key (a typo?)`).join("; ");
  }
  if (issue.code === "invalid_type" && where && !present(root, issue.path))
    return `${where}: is required`;
  return `${where || "the file"}: ${issue.message}`;
}

/** Whether the key at `at` is in the file at all (zod does not keep the input it refused). */
function present(root: unknown, at: ReadonlyArray<PropertyKey>): boolean {
  let v: unknown = root;
  for (const key of at) {
    if (v === null || typeof v !== "object" || !(key in v)) return false;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v !== undefined && v !== null;
}

/** Each entry that is well-formed on its own, so its deeper checks run even if another is not. */
function entriesOf(value: unknown): Array<Entry | undefined> {
  const list = (value as { orchestrators?: unknown } | null)?.orchestrators;
  if (!Array.isArray(list)) return [];
  return list.map((o) => {
    const one = orchestratorSchema.safeParse(o);
    return one.success ? one.data : undefined;
  });
}

/** What zod cannot see one entry at a time: unique names, credentials, host names, proxies. */
function entryProblems(entries: Array<Entry | undefined>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  entries.forEach((o, i) => {
    if (!o) return;
    const at = `orchestrators[${i}]`;
    const first = seen.get(o.name.toLowerCase());
    if (first !== undefined)
      problems.push(`${at}.name: "${o.name}" is also the name of orchestrators[${first}]`);
    else seen.set(o.name.toLowerCase(), i);
    if (!o.token && !(o.username && o.password)) {
      problems.push(
        o.username
          ? `${at}.password: is required with username (or give token instead)`
          : o.password
            ? `${at}.username: is required with password (or give token instead)`
            : `${at}: no credentials: give token, or username and password`,
      );
    }
    let url: URL | undefined;
    try {
      url = new URL(parseHostname(o.hostname));
    } catch (err) {
      problems.push(`${at}.hostname: ${(err as Error).message.replace(/VCO_HOSTNAME /g, "")}`);
    }
    if (url && o.proxy) {
      try {
        proxyFor(url, { VCO_PROXY: o.proxy });
      } catch (err) {
        if (!(err instanceof ProxySettingError)) throw err;
        problems.push(`${at}.proxy: ${err.message.replace(/VCO_PROXY ?/g, "")}`);
      }
    }
  });
  return problems;
}

function readTotalInFlight(env: NodeJS.ProcessEnv, problems: string[]): number {
  const v = env.VCO_TOTAL_IN_FLIGHT?.trim();
  if (!v) return DEFAULT_TOTAL_IN_FLIGHT;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 1 && n <= 256) return n;
  problems.push("VCO_TOTAL_IN_FLIGHT must be a whole number from 1 to 256");
  return DEFAULT_TOTAL_IN_FLIGHT;
}

/** Variables the file replaces: set in the environment, they would leak into every orchestrator. */
const PER_ORCHESTRATOR = [
  "VCO_HOSTNAME",
  "VCO_TOKEN",
  "VCO_USERNAME",
  "VCO_PASSWORD",
  "VCO_LOGIN_TYPE",
  "VCO_ENTERPRISE_IDS",
  "VCO_STREAMS",
  "VCO_MIN_SEVERITY",
  "VCO_EVENTS_INCLUDE",
  "VCO_EVENTS_EXCLUDE",
  "VCO_CATEGORIES",
  "VCO_CA_FILE",
  "VCO_TLS_INSECURE",
  "VCO_DATA_DIR",
];

/** Per-orchestrator variables set in the environment, which the file makes ignored (worth a warning). */
export function ignoredVariables(env: NodeJS.ProcessEnv): string[] {
  return PER_ORCHESTRATOR.filter((n) => n !== "VCO_DATA_DIR" && env[n]?.trim());
}

function withoutPerOrchestrator(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of PER_ORCHESTRATOR) delete out[name];
  return out;
}

/** One entry as the variables config.ts reads; VCO_PROXY and HTTPS_PROXY still apply without `proxy`. */
function entryEnv(shared: NodeJS.ProcessEnv, o: Entry): NodeJS.ProcessEnv {
  const set = (v: string | undefined) => v ?? "";
  return {
    ...shared,
    VCO_HOSTNAME: o.hostname,
    VCO_TOKEN: set(o.token),
    VCO_USERNAME: set(o.username),
    VCO_PASSWORD: set(o.password),
    ...(o.loginType ? { VCO_LOGIN_TYPE: o.loginType } : {}),
    VCO_ENTERPRISE_IDS: (o.enterpriseIds ?? []).join(","),
    VCO_STREAMS: (o.streams ?? []).join(","),
    VCO_MIN_SEVERITY: set(o.filter?.minSeverity),
    VCO_EVENTS_INCLUDE: (o.filter?.include ?? []).join(","),
    VCO_EVENTS_EXCLUDE: (o.filter?.exclude ?? []).join(","),
    VCO_CATEGORIES: (o.filter?.categories ?? []).join(","),
    VCO_CA_FILE: set(o.caFile),
    VCO_TLS_INSECURE: o.tlsInsecure ? "true" : "false",
    ...(o.proxy ? { VCO_PROXY: o.proxy } : {}),
  };
}

function fileError(file: string, problems: string[]): ConfigError {
  return new ConfigError(`configuration file ${file}: ${problems.join("; ")}`);
}
