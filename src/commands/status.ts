import { dataDirFrom } from "../config.js";
import { ConfigError, StaleError } from "../errors.js";
import { readOrchestratorState, type OrchestratorState } from "../store/orchestrator-state.js";
import { listStates, type EnterpriseState } from "../store/state.js";
import { sinkStatuses, renderSinks, staleSinks } from "../forward/sink-status.js";
import { formatDuration, parseDuration, systemClock, type Clock } from "../time.js";

export interface StatusOptions {
  env: NodeJS.ProcessEnv;
  dataDir?: string | undefined;
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
  const dataDir = dataDirFrom(opts.env, opts.dataDir);
  const maxAgeMs = opts.maxAge === undefined ? undefined : parseDuration(opts.maxAge);
  if (opts.maxAge !== undefined && !maxAgeMs) {
    throw new ConfigError(`--max-age "${opts.maxAge}" is not a duration: use e.g. 45m or 2h`);
  }
  const now = clock.now();
  const rows = (await listStates(dataDir)).map((s) => toStatus(s, now));
  const orchestrator = orchestratorStatus(await readOrchestratorState(dataDir));
  const sinks = await sinkStatuses(opts.env, dataDir, now);

  if (opts.json) {
    const enterprises = rows.filter((r) => !r.stream);
    const streams = rows.filter((r) => r.stream);
    out(`${JSON.stringify({ dataDir, orchestrator, enterprises, streams, sinks }, null, 2)}
`);
  } else out(render(dataDir, orchestrator, rows) + renderSinks(sinks));

  if (maxAgeMs !== undefined) {
    // A partner or operator stream taken out of VCO_STREAMS keeps its state, but is not expected
    // to move any more: the healthcheck ignores it.
    const checked = rows.filter((r) => !r.stream || streamsWanted(opts.env).includes(r.stream));
    if (checked.length === 0) throw new StaleError(`no successful run yet in ${dataDir}`);
    const stale = checked.filter(
      (r) => r.lastSuccessAgeSeconds === null || r.lastSuccessAgeSeconds * 1000 > maxAgeMs,
    );
    if (stale.length > 0) {
      throw new StaleError(
        `${stale.map((r) => r.enterpriseName || r.enterpriseId).join(", ")}: no successful run in the last ` +
          `${opts.maxAge}` +
          (stale[0]?.lastError ? ` (last error: ${stale[0].lastError.message})` : ""),
      );
    }
    const behind = staleSinks(sinks, now, maxAgeMs);
    if (behind) throw new StaleError(`${behind} (max age ${opts.maxAge})`);
  }
  return rows;
}

/** VCO_STREAMS as fetch reads it, leniently: status needs no valid configuration. */
function streamsWanted(env: NodeJS.ProcessEnv): string[] {
  return (env.VCO_STREAMS ?? "")
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
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
