import * as z from "zod";
import { ConfigError, SinkAuthError, SinkRejectedError } from "../../errors.js";

/** HEC's answer body: `{"text":"Success","code":0}`, with `ackId` when indexer acknowledgement is on. */
const answerSchema = z.looseObject({
  text: z.string().optional(),
  code: z.number().int().optional(),
  ackId: z.number().int().nonnegative().optional(),
});

export type HecAnswer = z.infer<typeof answerSchema>;

/** The parsed body, or an empty answer when it is not HEC's JSON (a load balancer's HTML page). */
export function parseAnswer(body: unknown): HecAnswer {
  let value: unknown = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return {};
    }
  }
  const r = answerSchema.safeParse(value);
  return r.success ? r.data : {};
}

/** A refusal that may pass: wait and send again. */
export interface Busy {
  reason: string;
  /** The collector's Retry-After header, raw. */
  retryAfter: unknown;
}

/** "HTTP 400, code 6 Invalid data format": what the collector said, for a person to read. */
export function describeAnswer(status: number, a: HecAnswer): string {
  const said = a.code !== undefined ? `code ${a.code} ${a.text ?? ""}`.trim() : a.text;
  return `HTTP ${status}${said ? `, ${said}` : ""}`;
}

/**
 * Sorts an answer to POST /services/collector/event: undefined when accepted (HTTP 2xx with code
 * 0), a Busy to retry, or a typed error for what sending again cannot fix (Splunk's documented
 * status codes). Answers of /services/collector/ack carry no code: their 2xx is checked by acks.ts.
 */
export function classifyAnswer(
  status: number,
  a: HecAnswer,
  where: string,
  retryAfter: unknown,
): Busy | undefined {
  const said = describeAnswer(status, a);
  if (status >= 200 && status < 300 && a.code === 0) return undefined;
  // 503 with code 9 "Server is busy" (or 18-20, queues full): the indexers push back.
  if (status === 429 || status >= 500) return { reason: said, retryAfter };
  if (status === 401 || status === 403 || (a.code !== undefined && a.code >= 1 && a.code <= 4)) {
    throw new SinkAuthError(
      `${where} refused the HEC token (${said}): check VCO_HEC_TOKEN, and that the token is ` +
        "enabled in Splunk (Settings > Data inputs > HTTP Event Collector); nothing was sent",
    );
  }
  if (a.code === 7) {
    throw new ConfigError(
      `${where} answered ${said}: the token may not write to VCO_HEC_INDEX; add the index to the ` +
        "token's allowed indexes in Splunk, or change VCO_HEC_INDEX",
    );
  }
  if (a.code === 10 || a.code === 11) {
    throw new ConfigError(
      `${where} answered ${said}: the token has indexer acknowledgement on; set VCO_HEC_ACK=true`,
    );
  }
  if (a.code === 14) {
    throw new ConfigError(
      `${where} answered ${said}: VCO_HEC_ACK=true but the token has indexer acknowledgement off; ` +
        "turn it on for the token in Splunk, or set VCO_HEC_ACK=false",
    );
  }
  // A 2xx that is not HEC's answer (a portal page, another service) must not count as delivered.
  if (status === 404 || (status >= 200 && status < 400)) {
    throw new ConfigError(
      `${where} answered ${said}: that is not an HTTP Event Collector; check VCO_HEC_URL ` +
        "(scheme, host and the HEC port, 8088 by default) and that HEC is enabled in Splunk",
    );
  }
  throw new SinkRejectedError(
    `${where} refused the events (${said}); they stay in events.json and will be sent again ` +
      "once fixed. Report this with the answer above if the settings are right",
  );
}
