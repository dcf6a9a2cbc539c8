import fs from "node:fs";
import { loadConfig, type Config } from "../config.js";
import { ConfigError } from "../errors.js";
import { checkClient, checkCredential, checkEnterprises, checkEvents } from "../check/api.js";
import { checkClock } from "../check/clock.js";
import { checkStreams } from "../check/streams.js";
import { checkDataDir } from "../check/data-dir.js";
import { checkNetwork, endpointOf } from "../check/network.js";
import {
  configFileFrom,
  loadConfigFile,
  type ConfigFile,
  type OrchestratorConfig,
} from "../config-file.js";
import {
  CheckFailedError,
  combine,
  fail,
  warn,
  type Outcome,
  type StepResult,
  pass,
  renderLine,
  renderSummary,
  Report,
  type CheckReport,
} from "../check/report.js";
import { checkTls } from "../check/tls.js";
import { systemClock, type Clock } from "../time.js";

export interface CheckOptions {
  env: NodeJS.ProcessEnv;
  /** --config: the file naming several orchestrators (else VCO_CONFIG). */
  configFile?: string | undefined;
  dataDir?: string | undefined;
  json?: boolean;
  out?: (text: string) => void;
  clock?: Clock;
}

/** Everything the API steps may take together, so the whole check answers within ~15 s. */
const API_BUDGET_MS = 14_000;

/**
 * Walks the setup from the environment to the data dir, one line per step, and stops asking the
 * orchestrator where later answers would be meaningless. Throws at the end when a step failed, so
 * the exit code is the one the failure would give `fetch`.
 */
export async function checkCommand(o: CheckOptions): Promise<unknown> {
  const clock = o.clock ?? systemClock;
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  const started = clock.now();
  const report = new Report(o.json ? undefined : (s) => out(renderLine(s)));

  const file = configFileFrom(o.env, o.configFile);
  if (file) return checkEach(file, o, clock, out);

  const config = configStep(report, o.env, o.dataDir);
  if (config) await stepsAfterConfig(report, config, clock, started);
  else report.skipUntil(undefined, "the configuration is incomplete");

  const result = report.toJSON();
  out(o.json ? `${JSON.stringify(result, null, 2)}\n` : renderSummary(result));
  const problems = result.steps.filter((s) => s.status === "fail").length;
  if (report.failures.length > 0) {
    throw new CheckFailedError(report.failures, problems, o.json ? "the report" : "above");
  }
  return result;
}

async function stepsAfterConfig(report: Report, config: Config, clock: Clock, started: number) {
  await orchestratorSteps(report, config, clock, started);
  report.add("data dir", checkDataDir(config.dataDir, config.baseUrl));
}

/** VCO_CONFIG: the file as a whole, then every orchestrator in turn, the report grouped by name. */
async function checkEach(
  file: string,
  o: CheckOptions,
  clock: Clock,
  out: (text: string) => void,
): Promise<unknown> {
  const print = o.json ? undefined : (s: StepResult) => out(renderLine(s));
  let many: ConfigFile;
  try {
    many = await loadConfigFile(file, o.env, { dataDir: o.dataDir });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const report = new Report(print);
    report.add("config", fail(err, err.message, "fix the file (or the variables it names)"));
    report.skipUntil(undefined, "the configuration file is not usable");
    const result = report.toJSON();
    out(o.json ? `${JSON.stringify(result, null, 2)}\n` : renderSummary(result));
    throw new CheckFailedError(report.failures, 1, o.json ? "the report" : "above");
  }
  const exposed = readableByOthers(file) ? many.literalSecrets : [];
  const groups: Array<{ name: string } & CheckReport> = [];
  const failures: unknown[] = [];
  for (const config of many.orchestrators) {
    if (!o.json) out(`\n== ${config.name} (${config.baseUrl})\n`);
    const report = new Report(print);
    const mine = exposed.filter((p) => p.startsWith(`${pathOf(many, config)}.`));
    const ok = describeConfig(
      report,
      config,
      mine.length ? literalSecretWarning(file, mine) : undefined,
    );
    if (ok) await stepsAfterConfig(report, config, clock, clock.now());
    else report.skipUntil(undefined, "the configuration is incomplete");
    groups.push({ name: config.name, ...report.toJSON() });
    failures.push(...report.failures);
  }
  const steps = groups.flatMap((g) => g.steps);
  const problems = steps.filter((s) => s.status === "fail").length;
  out(
    o.json
      ? `${JSON.stringify({ ok: failures.length === 0, file, orchestrators: groups }, null, 2)}\n`
      : renderSummary({ ok: failures.length === 0, steps }),
  );
  if (failures.length > 0) {
    throw new CheckFailedError(failures, problems, o.json ? "the report" : "above");
  }
  return { ok: true, orchestrators: groups };
}

const pathOf = (many: ConfigFile, config: OrchestratorConfig) =>
  `orchestrators[${many.orchestrators.indexOf(config)}]`;

/** Group or others may read the file: a secret written into it is not a secret any more. */
function readableByOthers(file: string): boolean {
  try {
    return (fs.statSync(file).mode & 0o044) !== 0;
  } catch {
    return false;
  }
}

function literalSecretWarning(file: string, paths: string[]): Outcome {
  return warn(
    `${paths.join(", ")} ${paths.length === 1 ? "is a secret" : "are secrets"} written into ${file}, which group or others can read`,
    `write \${VARIABLE} there and set the variable in the environment or .env, or chmod 600 ${file}`,
  );
}

function configStep(
  report: Report,
  env: NodeJS.ProcessEnv,
  dataDir: string | undefined,
): Config | undefined {
  let config: Config;
  try {
    config = loadConfig(env, { dataDir });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = err.message.replace(/^configuration: /, "").replace(/ \(set these .*\)$/, "");
    report.add(
      "config",
      fail(err, problems, "set these in the environment or in .env (see .env.example)"),
    );
    return undefined;
  }
  return describeConfig(report, config, undefined, env) ? config : undefined;
}

/** The config step for a loaded Config: its CA file readable, and what it will use, with no secret. */
function describeConfig(
  report: Report,
  config: Config,
  warning: Outcome | undefined,
  env?: NodeJS.ProcessEnv,
): boolean {
  if (config.caFile) {
    try {
      fs.accessSync(config.caFile, fs.constants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "error";
      const err = new ConfigError(`VCO_CA_FILE ${config.caFile} cannot be read (${code})`);
      report.add(
        "config",
        fail(err, err.message, "point VCO_CA_FILE at the PEM file of the orchestrator's CA"),
      );
      return false;
    }
  }
  // Which credential and which route, never the secret or the proxy's password.
  const c = config.credentials;
  const credential =
    c.kind === "token"
      ? env
        ? `API token (VCO_TOKEN${env.VCO_USERNAME?.trim() ? "; VCO_USERNAME is ignored" : ""})`
        : "API token"
      : `user name ${c.username} (${c.loginType} login)`;
  const route = config.proxy
    ? `proxy ${config.proxy.display} (from ${config.proxy.source})`
    : "no proxy";
  const found = pass(`VCO ${config.baseUrl}; ${credential}; ${route}`);
  report.add("config", warning ? combine("", [found, warning]) : found);
  return true;
}

/** network, tls, credential, enterprises, events, streams, clock: each only if the one before makes sense. */
async function orchestratorSteps(
  report: Report,
  config: Config,
  clock: Clock,
  started: number,
): Promise<void> {
  const to = endpointOf(config.baseUrl);
  const network = await checkNetwork(config);
  if (report.add("network", network.outcome).status === "fail" || !network.socket) {
    return report.skipUntil("data dir", "the orchestrator cannot be reached");
  }
  const tls = await checkTls(config, to, network.socket, clock.now());
  if (report.add("tls", tls).status === "fail") {
    return report.skipUntil("data dir", "the TLS check failed");
  }

  const budget = Math.max(1_000, API_BUDGET_MS - (clock.now() - started));
  const client = checkClient(config, clock, AbortSignal.timeout(budget));
  const host = new URL(config.baseUrl).host;
  try {
    const credential = await checkCredential(client, config, host);
    report.add("credential", credential.outcome);
    if (!credential.found) return report.skipUntil("data dir", "the credential step failed");
    const { outcome, selected } = checkEnterprises(credential.found, config);
    report.add("enterprises", outcome);
    if (!config.streams.includes("enterprise"))
      report.add("events", pass("the enterprise stream is not in VCO_STREAMS; not checked"));
    else if (selected.length > 0) report.add("events", await checkEvents(client, selected, host));
    else report.skipUntil("streams", "no selected enterprise is visible");
    report.add("streams", await checkStreams(client, config, host));
    report.add("clock", checkClock(client.vcoClock));
  } finally {
    // A password login made a session: end it rather than leave it to expire.
    await client.logout().catch(() => {});
    client.close();
  }
}
