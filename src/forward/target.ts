/**
 * The contract between the forwarder (which reads events.json from its own cursor) and a receiver
 * (syslog, Splunk HEC). The forwarder moves its cursor only after `send` resolves.
 */
export interface ForwardItem {
  /** The event's line exactly as written to events.json, without the trailing newline. */
  line: string;
  /** The same line, parsed. */
  event: Record<string, unknown>;
  /** Stable across runs and resends: `<orchestrator host>/<id ?? logicalId>`, for SIEM-side dedupe. */
  key: string;
  /** The orchestrator's host name (no scheme, no port), e.g. vco160-fra1.velocloud.net. */
  host: string;
  /** The enterprise the file belongs to; undefined for the partner and operator streams. */
  enterprise: { id: number; name: string } | undefined;
  /** The stream the file holds: enterprise, partner or operator. */
  stream: string;
}

export interface ForwardTarget {
  /** How logs name it, with no secret in it: "syslog tls://siem:6514", "hec https://splunk:8088". */
  readonly name: string;
  /**
   * Deliver every item, in order. Resolve only once the receiver has confirmed all of them (HEC: the
   * HTTP answer, or the indexer acknowledgement when it is on; syslog over TCP/TLS: every byte written
   * and flushed). Throw DeliveryError for what may pass (connection refused or broken, 503, 429,
   * timeouts) after the target's own short retries; throw ConfigError or AuthError for what will not
   * (a bad URL, an invalid token). A target may split a batch but must not reorder it.
   */
  send(batch: readonly ForwardItem[], signal?: AbortSignal): Promise<void>;
  /** Close connections; idempotent. */
  close(): Promise<void>;
}
