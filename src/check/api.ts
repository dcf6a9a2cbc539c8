// The steps that talk to the VCO's API: credential, enterprises, events. They use the real client
// (same HTTP stack, proxy tunnel, CA and error classes as `fetch`), made impatient: a check must
// answer within seconds, so it never rides out an outage the way a scheduled run does.
import * as z from "zod";
import type { Config } from "../config.js";
import { ConfigError } from "../errors.js";
import { createLogger } from "../logger.js";
import type { Clock } from "../time.js";
import { VcoClient } from "../vco/client.js";
import { discoverPrincipal, type Principal } from "../vco/enterprises.js";
import { createHttp } from "../vco/http.js";
import type { Enterprise } from "../vco/schemas.js";
import { explainApiError } from "./explain.js";
import { fail, pass, type Outcome } from "./report.js";

const REQUEST_TIMEOUT_MS = 5_000;
const RETRY_BUDGET_MS = 3_000;
const LISTED = 5;
const EVENT_CHECKS = 10;

export function checkClient(config: Config, clock: Clock, signal: AbortSignal): VcoClient {
  return new VcoClient({
    http: createHttp({
      baseUrl: config.baseUrl,
      timeoutMs: REQUEST_TIMEOUT_MS,
      caFile: config.caFile,
      tlsInsecure: config.tlsInsecure,
      maxSockets: 3,
      proxy: config.proxy,
    }),
    credentials: config.credentials,
    clock,
    // The report says what happened; retry notices would only interleave with its lines.
    logger: createLogger("silent"),
    maxInFlight: 3,
    retryBudgetMs: RETRY_BUDGET_MS,
    signal,
    // A check is a first contact: a name that does not resolve or a 404 is the answer, not a blip.
    established: false,
  });
}

export type Found = { principal: Principal; enterprises: Enterprise[] };

export async function checkCredential(
  client: VcoClient,
  config: Config,
  host: string,
): Promise<{ outcome: Outcome; found?: Found }> {
  const c = config.credentials;
  const operatorLogin = c.kind === "password" && c.loginType === "operator";
  try {
    const found = await discoverPrincipal(client, operatorLogin);
    const who = c.kind === "token" ? "token accepted" : `login as ${c.username} accepted`;
    const article = found.principal === "operator" ? "an" : "a";
    return { outcome: pass(`${who}; ${article} ${found.principal} principal`), found };
  } catch (err) {
    return { outcome: explainApiError(err, host) };
  }
}

const named = (e: Enterprise) => `${e.name || "(no name)"} (${e.id})`;

function list(enterprises: Enterprise[]): string {
  const shown = enterprises.slice(0, LISTED).map(named).join(", ");
  const more = enterprises.length - LISTED;
  return more > 0 ? `${shown} and ${more} more` : shown;
}

/** Which enterprises a fetch would poll: all visible ones, or those VCO_ENTERPRISE_IDS names. */
export function checkEnterprises(
  found: Found,
  config: Config,
): { outcome: Outcome; selected: Enterprise[] } {
  const visible = found.enterprises;
  const seen = `${visible.length} visible: ${list(visible)}`;
  const wanted = config.enterpriseIds;
  if (!wanted) {
    return {
      outcome: pass(`${seen}; all selected (VCO_ENTERPRISE_IDS is not set)`),
      selected: visible,
    };
  }
  const selected = visible.filter((e) => wanted.includes(e.id));
  const missing = wanted.filter((id) => !visible.some((e) => e.id === id));
  if (missing.length === 0) {
    return { outcome: pass(`${seen}; VCO_ENTERPRISE_IDS selects ${list(selected)}`), selected };
  }
  const err = new ConfigError(
    `VCO_ENTERPRISE_IDS names ${missing.join(", ")}, which this account cannot see`,
  );
  return {
    outcome: fail(
      err,
      `${err.message}; it sees ${list(visible)}`,
      "use ids from that list in VCO_ENTERPRISE_IDS, or unset it to take every visible enterprise",
    ),
    selected,
  };
}

// Loose: this only asks whether the account may read events, not what they look like.
const eventsReply = z.looseObject({ data: z.array(z.unknown()) });

/** One small events query per selected enterprise (the first EVENT_CHECKS of them). */
export async function checkEvents(
  client: VcoClient,
  selected: Enterprise[],
  host: string,
): Promise<Outcome> {
  const asked = selected.slice(0, EVENT_CHECKS);
  // The VCO's own now: after the credential step its clock has been heard.
  const end = client.vcoClock.now();
  const results = await Promise.all(
    asked.map(async (e) => {
      try {
        const reply = await client.call(
          "event/getEnterpriseEvents",
          { enterpriseId: e.id, interval: { start: end - 3_600_000, end }, filter: { limit: 1 } },
          eventsReply,
        );
        return { e, recent: reply.data.length > 0 };
      } catch (err) {
        return { e, problem: explainApiError(err, host) };
      }
    }),
  );
  const failed = results.filter((r) => r.problem);
  if (failed.length > 0) {
    const first = failed[0]!.problem!;
    return {
      status: "fail",
      detail: `cannot read the events of ${failed.map((r) => named(r.e)).join(", ")}: ${first.detail}`,
      fix: first.fix,
      errors: failed.flatMap((r) => r.problem!.errors ?? []),
    };
  }
  const capped =
    selected.length > asked.length
      ? ` (checked the first ${asked.length} of ${selected.length})`
      : "";
  const recent = results.filter((r) => r.recent).length;
  if (asked.length === 1) {
    const last = recent ? "it has events in the last hour" : "no events in the last hour";
    return pass(`readable for ${named(asked[0]!)}; ${last}`);
  }
  return pass(
    `readable for all ${asked.length} enterprises${capped}; ${recent} had events in the last hour`,
  );
}
