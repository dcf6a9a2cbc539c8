import path from "node:path";
import { configFileFrom, readLayout } from "../config-file.js";
import { dataDirFrom } from "../config.js";
import { ConfigError, StaleError } from "../errors.js";
import { readOrchestratorState, type OrchestratorState } from "../store/orchestrator-state.js";
import { listStates, type EnterpriseState } from "../store/state.js";
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
  if (file) return statusOfMany(readLayout(file, opts.env, opts), now, opts, maxAgeMs, out);

  const dataDir = dataDirFrom(opts.env, opts.dataDir);
  const { orchestrator, enterprises: rows } = await statusOf(dataDir, now);
  if (opts.json) out(`${JSON.stringify({ dataDir, orchestrator, enterprises: rows }, null, 2)}\n`);
  else out(render(dataDir, orchestrator, rows));

  if (maxAgeMs !== undefined) {
    if (rows.length === 0) throw new StaleError(`no successful run yet in ${dataDir}`);
    const stale = staleOf(rows, maxAgeMs);
    if (stale.length > 0) throw staleError(stale, opts.maxAge!);
  }
  return rows;
}

async function statusOf(dataDir: string, now: number) {
  return {
    orchestrator: orchestratorStatus(await readOrchestratorState(dataDir)),
    enterprises: (await listStates(dataDir)).map((s) => toStatus(s, now)),
  };
}

const staleOf = (rows: EnterpriseStatus[], maxAgeMs: number) =>
  rows.filter((r) => r.lastSuccessAgeSeconds === null || r.lastSuccessAgeSeconds * 1000 > maxAgeMs);

function staleError(stale: EnterpriseStatus[], maxAge: string, prefix = ""): StaleError {
  return new StaleError(
    `${prefix}${stale.map((r) => r.enterpriseName || r.enterpriseId).join(", ")}: no successful run in the last ` +
      `${maxAge}` +
      (stale[0]?.lastError ? ` (last error: ${stale[0].lastError.message})` : ""),
  );
}

/** VCO_CONFIG: the same for each orchestrator's subtree, grouped by orchestrator. */
async function statusOfMany(
  layout: { dataDir: string; names: string[] },
  now: number,
  opts: StatusOptions,
  maxAgeMs: number | undefined,
  out: (text: string) => void,
): Promise<EnterpriseStatus[]> {
  const groups = [];
  for (const name of layout.names) {
    const dataDir = path.join(layout.dataDir, name);
    groups.push({ name, dataDir, ...(await statusOf(dataDir, now)) });
  }
  if (opts.json) {
    out(`${JSON.stringify({ dataDir: layout.dataDir, orchestrators: groups }, null, 2)}\n`);
  } else {
    out(
      groups
        .map((g) => `== ${g.name}\n${render(g.dataDir, g.orchestrator, g.enterprises)}`)
        .join("\n"),
    );
  }
  if (maxAgeMs !== undefined) {
    const problems = groups.flatMap((g) => {
      if (g.enterprises.length === 0) return [`${g.name}: no successful run yet in ${g.dataDir}`];
      const stale = staleOf(g.enterprises, maxAgeMs);
      return stale.length ? [staleError(stale, opts.maxAge!, `${g.name}: `).message] : [];
    });
    if (problems.length > 0) throw new StaleError(problems.join("; "));
  }
  return groups.flatMap((g) => g.enterprises);
}

function toStatus(s: EnterpriseState, now: number): EnterpriseStatus {
  const success = s.lastSuccessAt ? Date.parse(s.lastSuccessAt) : undefined;
  return {
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
      `${r.enterpriseName} (id ${r.enterpriseId}) -> ${r.folder}/events.json`,
      `  cursor:          ${r.cursor ?? "none yet"}`,
      `  last success:    ${age}`,
      `  last run:        ${r.lastRunOk === null ? "none" : r.lastRunOk ? "ok" : "FAILED"}, ${r.lastRunWritten ?? 0} events written`,
      `  last error:      ${r.lastError ? `${r.lastError.at}: ${r.lastError.message}` : "none"}`,
      "",
    );
  }
  return `${lines.join("\n")}`;
}
