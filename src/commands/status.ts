import path from "node:path";
import { configFileFrom, readLayout, type Layout } from "../config-file.js";
import { dataDirFrom } from "../config.js";
import { ConfigError, StaleError } from "../errors.js";
import { readOrchestratorState, type OrchestratorState } from "../store/orchestrator-state.js";
import { listStates, type EnterpriseState } from "../store/state.js";
import { sinkStatuses, renderSinks, staleSinks } from "../forward/sink-status.js";
import { configuredSinks, type Sink } from "../forward/targets.js";
import { formatDuration, parseDuration, systemClock, type Clock } from "../time.js";

export interface StatusOptions {
  env: NodeJS.ProcessEnv;
  dataDir?: string | undefined;
  /** --config: the file naming several orchestrators (else VCO_CONFIG). */
  configFile?: string | undefined;
  json?: boolean;
  maxAge?: string | undefined;
  clock?: Clock;
  out?: (text: string) => void;
}

export interface EnterpriseStatus {
  /** Present for the partner and operator streams (then enterpriseId is 0). */
  stream?: "partner" | "operator";
  enterpriseId: number;
  enterpriseName: string;
  folder: string;
  cursor: string | null;
  lastSuccessAt: string | null;
  lastSuccessAgeSeconds: number | null;
  lastRunWritten: number | null;
  lastRunOk: boolean | null;
  lastError: { at: string; message: string } | null;
}

/**
 * What each enterprise's last runs did, from the state files alone (no VCO call). With --max-age
 * it fails when any enterprise has not succeeded for that long: the container's healthcheck.
 */
export async function statusCommand(opts: StatusOptions): Promise<EnterpriseStatus[]> {
  const clock = opts.clock ?? systemClock;
  const out = opts.out ?? ((t: string) => process.stdout.write(t));
  const maxAgeMs = opts.maxAge === undefined ? undefined : parseDuration(opts.maxAge);
  if (opts.maxAge !== undefined && !maxAgeMs) {
    throw new ConfigError(`--max-age "${opts.maxAge}" is not a duration: use e.g. 45m or 2h`);
  }
  const now = clock.now();
  const file = configFileFrom(opts.env, opts.configFile);
  if (file) {
    return statusOfMany(await readLayout(file, opts.env, opts), now, opts, maxAgeMs, out);
  }

  const dataDir = dataDirFrom(opts.env, opts.dataDir);
  const g = await statusOf(dataDir, configuredSinks(opts.env), now);
  if (opts.json) out(`${JSON.stringify({ dataDir, ...asJson(g) }, null, 2)}\n`);
  else out(render(dataDir, g.orchestrator, g.rows) + renderSinks(g.sinks));

  if (maxAgeMs !== undefined) {
    const problems = problemsOf(g, streamsWanted(opts.env.VCO_STREAMS), maxAgeMs, opts.maxAge!);
    if (problems.length > 0) throw new StaleError(problems.join("; "));
  }
  return g.rows;
}

/** One data dir (the whole one, or an orchestrator's subtree): its states, clock and sinks. */
async function statusOf(dataDir: string, sinks: Sink[], now: number) {
  return {
    dataDir,
    now,
    orchestrator: orchestratorStatus(await readOrchestratorState(dataDir)),
    rows: (await listStates(dataDir)).map((s) => toStatus(s, now)),
    sinks: await sinkStatuses(sinks, dataDir, now),
  };
}
type Group = Awaited<ReturnType<typeof statusOf>>;

const asJson = (g: Group) => ({
  orchestrator: g.orchestrator,
  enterprises: g.rows.filter((r) => !r.stream),
  streams: g.rows.filter((r) => r.stream),
  sinks: g.sinks,
});

/**
 * What makes the healthcheck fail in one data dir: no success yet, an enterprise or wanted stream
 * that has not succeeded within max age, a sink behind by more. A partner or operator stream taken
 * out of the streams keeps its state, but is not expected to move any more: it is not checked.
 */
function problemsOf(g: Group, wanted: string[], maxAgeMs: number, maxAge: string): string[] {
  const checked = g.rows.filter((r) => !r.stream || wanted.includes(r.stream));
  if (checked.length === 0) return [`no successful run yet in ${g.dataDir}`];
  const problems: string[] = [];
  const stale = checked.filter(
    (r) => r.lastSuccessAgeSeconds === null || r.lastSuccessAgeSeconds * 1000 > maxAgeMs,
  );
  if (stale.length > 0) {
    problems.push(
      `${stale.map((r) => r.enterpriseName || r.enterpriseId).join(", ")}: no successful run in the last ` +
        `${maxAge}` +
        (stale[0]?.lastError ? ` (last error: ${stale[0].lastError.message})` : ""),
    );
  }
  const behind = staleSinks(g.sinks, g.now, maxAgeMs);
  if (behind) problems.push(`${behind} (max age ${maxAge})`);
  return problems;
}

/** VCO_STREAMS (or a file's streams:) as fetch reads it, leniently: status needs no valid setup. */
function streamsWanted(value: string | string[] | undefined): string[] {
  const list = Array.isArray(value) ? value : (value ?? "").split(/[\s,]+/);
  const wanted = list.map((s) => s.trim().toLowerCase()).filter(Boolean);
  return wanted.length > 0 ? wanted : ["enterprise"];
}

/** VCO_CONFIG: the same for each orchestrator's subtree, grouped by orchestrator. */
async function statusOfMany(
  layout: Layout,
  now: number,
  opts: StatusOptions,
  maxAgeMs: number | undefined,
  out: (text: string) => void,
): Promise<EnterpriseStatus[]> {
  const groups: Array<Group & { name: string }> = [];
  for (const name of layout.names) {
    groups.push({
      name,
      ...(await statusOf(path.join(layout.dataDir, name), layout.sinks[name] ?? [], now)),
    });
  }
  if (opts.json) {
    const orchestrators = groups.map((g) => ({ name: g.name, dataDir: g.dataDir, ...asJson(g) }));
    out(`${JSON.stringify({ dataDir: layout.dataDir, orchestrators }, null, 2)}\n`);
  } else {
    out(
      groups
        .map(
          (g) =>
            `== ${g.name}\n${render(g.dataDir, g.orchestrator, g.rows)}${renderSinks(g.sinks)}`,
        )
        .join("\n"),
    );
  }
  if (maxAgeMs !== undefined) {
    const problems = groups.flatMap((g) =>
      problemsOf(g, streamsWanted(layout.streams[g.name]), maxAgeMs, opts.maxAge!).map(
        (p) => `${g.name}: ${p}`,
      ),
    );
    if (problems.length > 0) throw new StaleError(problems.join("; "));
  }
  return groups.flatMap((g) => g.rows);
}

function toStatus(s: EnterpriseState, now: number): EnterpriseStatus {
  const success = s.lastSuccessAt ? Date.parse(s.lastSuccessAt) : undefined;
  return {
    ...(s.stream && s.stream !== "enterprise" ? { stream: s.stream } : {}),
    enterpriseId: s.enterpriseId,
    enterpriseName: s.enterpriseName,
    folder: s.folder,
    cursor: s.cursor === null ? null : new Date(s.cursor).toISOString(),
    lastSuccessAt: s.lastSuccessAt,
    lastSuccessAgeSeconds: success === undefined ? null : Math.round((now - success) / 1000),
    lastRunWritten: s.lastRun?.written ?? null,
    lastRunOk: s.lastRun?.ok ?? null,
    lastError: s.lastError,
  };
}

export interface OrchestratorStatus {
  vco: string;
  workedAt: string | null;
  /** The VCO's clock minus ours, in ms, as last measured (positive: the VCO is ahead). */
  clockOffsetMs: number | null;
  clockMeasuredAt: string | null;
}

function orchestratorStatus(o: OrchestratorState | undefined): OrchestratorStatus | null {
  if (!o) return null;
  return {
    vco: o.vco,
    workedAt: o.workedAt,
    clockOffsetMs: o.clock?.offsetMs ?? null,
    clockMeasuredAt: o.clock?.measuredAt ?? null,
  };
}

/** "40m behind ours", "in step with ours (0.3s)". */
export function describeOffset(offsetMs: number): string {
  if (Math.abs(offsetMs) < 60_000) return `in step with ours (${(offsetMs / 1000).toFixed(1)}s)`;
  return `${formatDuration(Math.abs(offsetMs))} ${offsetMs < 0 ? "behind" : "ahead of"} ours`;
}

function render(
  dataDir: string,
  orchestrator: OrchestratorStatus | null,
  rows: EnterpriseStatus[],
): string {
  if (rows.length === 0) return `No runs recorded yet in ${dataDir}. Run: vco-events fetch\n`;
  const lines = [`Data directory: ${dataDir}`];
  if (orchestrator) {
    const clock =
      orchestrator.clockOffsetMs === null
        ? "not measured yet"
        : `${describeOffset(orchestrator.clockOffsetMs)} (measured ${orchestrator.clockMeasuredAt})`;
    lines.push(`Orchestrator:   ${orchestrator.vco}, clock ${clock}`);
  }
  lines.push("");
  for (const r of rows) {
    const age =
      r.lastSuccessAgeSeconds === null
        ? "never"
        : `${r.lastSuccessAt} (${formatDuration(r.lastSuccessAgeSeconds * 1000)} ago)`;
    lines.push(
      `${r.stream ? `${r.stream} stream` : `${r.enterpriseName} (id ${r.enterpriseId})`} -> ${r.folder}/events.json`,
      `  cursor:          ${r.cursor ?? "none yet"}`,
      `  last success:    ${age}`,
      `  last run:        ${r.lastRunOk === null ? "none" : r.lastRunOk ? "ok" : "FAILED"}, ${r.lastRunWritten ?? 0} events written`,
      `  last error:      ${r.lastError ? `${r.lastError.at}: ${r.lastError.message}` : "none"}`,
      "",
    );
  }
  return `${lines.join("\n")}`;
}
