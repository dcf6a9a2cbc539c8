import fs from "node:fs";
import { loadConfig, type Config } from "../config.js";
import { ConfigError } from "../errors.js";
import { checkClient, checkCredential, checkEnterprises, checkEvents } from "../check/api.js";
import { checkClock } from "../check/clock.js";
import { checkStreams } from "../check/streams.js";
import { checkDataDir } from "../check/data-dir.js";
import { checkNetwork, endpointOf } from "../check/network.js";
import {
  CheckFailedError,
  fail,
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
export async function checkCommand(o: CheckOptions): Promise<CheckReport> {
  const clock = o.clock ?? systemClock;
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  const started = clock.now();
  const report = new Report(o.json ? undefined : (s) => out(renderLine(s)));

  const config = configStep(report, o.env, o.dataDir);
  if (config) {
    await orchestratorSteps(report, config, clock, started);
    report.add("data dir", checkDataDir(config.dataDir, config.baseUrl));
  } else {
    report.skipUntil(undefined, "the configuration is incomplete");
  }

  const result = report.toJSON();
  out(o.json ? `${JSON.stringify(result, null, 2)}\n` : renderSummary(result));
  const problems = result.steps.filter((s) => s.status === "fail").length;
  if (report.failures.length > 0) {
    throw new CheckFailedError(report.failures, problems, o.json ? "the report" : "above");
  }
  return result;
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
      return undefined;
    }
  }
  // Which credential and which route, never the secret or the proxy's password.
  const c = config.credentials;
  const credential =
    c.kind === "token"
      ? `API token (VCO_TOKEN${env.VCO_USERNAME?.trim() ? "; VCO_USERNAME is ignored" : ""})`
      : `user name ${c.username} (${c.loginType} login)`;
  const route = config.proxy
    ? `proxy ${config.proxy.display} (from ${config.proxy.source})`
    : "no proxy";
  report.add("config", pass(`VCO ${config.baseUrl}; ${credential}; ${route}`));
  return config;
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
