/**
 * The event streams a principal can read. `enterprise` is per enterprise (event/getEnterpriseEvents);
 * `partner` (event/getProxyEvents) and `operator` (event/getOperatorEvents) are one stream each per
 * orchestrator. Each keeps its own cursor, dedupe window, lock scope and events.json.
 */
export const STREAMS = ["enterprise", "partner", "operator"] as const;
export type StreamName = (typeof STREAMS)[number];

export const DEFAULT_STREAMS: StreamName[] = ["enterprise"];

/** The API method each stream reads. */
export const STREAM_METHOD: Record<StreamName, string> = {
  enterprise: "event/getEnterpriseEvents",
  partner: "event/getProxyEvents",
  operator: "event/getOperatorEvents",
};

/** Who may read each stream, for messages: the advice when an account may not. */
export const STREAM_READERS: Record<StreamName, string> = {
  enterprise: "a customer, partner or operator login",
  partner: "a partner (MSP) login",
  operator: "an operator login",
};

/** One of filter.rules in an events request (swagger 5.0). */
export interface Rule {
  field: string;
  op: string;
  values: string[];
}

/**
 * Where one events.json's events come from: the method, the params that say whose events (an
 * enterpriseId, or none for a principal's own partner or operator events), and the server-side
 * filter rules sent with every page of every query.
 */
export interface EventSource {
  stream: StreamName;
  method: string;
  params: Record<string, unknown>;
  rules: Rule[];
}

export function enterpriseSource(enterpriseId: number, rules: Rule[] = []): EventSource {
  return {
    stream: "enterprise",
    method: STREAM_METHOD.enterprise,
    params: { enterpriseId },
    rules,
  };
}

/** A partner's or operator's own events: no params, the VCO takes whose from the credential. */
export function ownSource(stream: "partner" | "operator", rules: Rule[] = []): EventSource {
  return { stream, method: STREAM_METHOD[stream], params: {}, rules };
}

/** The fields a log line names a source by. */
export function sourceFields(s: EventSource): Record<string, unknown> {
  return s.stream === "enterprise" ? { ...s.params } : { stream: s.stream };
}
