import { randomUUID } from "node:crypto";
import axios, { type AxiosInstance } from "axios";
import { ConfigError, DeliveryError, StoppedError, TlsError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { formatDuration, type Clock } from "../../time.js";
import { backoffDelay, parseRetryAfter } from "../../vco/retry.js";
import type { ForwardItem, ForwardTarget } from "../target.js";
import { ackedIds, type AckWait } from "./acks.js";
import { classifyAnswer, parseAnswer, type HecAnswer } from "./answers.js";
import { batches, MAX_BATCH_BYTES, type HecBatch } from "./batches.js";
import { envelope } from "./envelope.js";
import { createHecHttp } from "./http.js";
import type { HecSettings } from "./settings.js";

/** Limits of one target; the defaults suit a production Splunk, tests shrink them. */
export interface HecTuning {
  maxBatchBytes: number;
  requestTimeoutMs: number;
  /** Further tries after a 503 "server busy" or a 429, with backoff (or the Retry-After given). */
  busyRetries: number;
  /** Further tries after a refused, reset or timed-out connection. */
  networkRetries: number;
  /** How often the ack endpoint is asked while acknowledgements are outstanding. */
  ackPollMs: number;
  /** How long a batch may wait for its acknowledgement before it is sent again. */
  ackTimeoutMs: number;
  /** How many times a batch whose acknowledgement never came is sent again in one send(). */
  ackResends: number;
}

export const DEFAULT_TUNING: HecTuning = {
  maxBatchBytes: MAX_BATCH_BYTES,
  requestTimeoutMs: 30_000,
  busyRetries: 5,
  networkRetries: 2,
  ackPollMs: 1_000,
  ackTimeoutMs: 120_000,
  ackResends: 1,
};

export interface HecTargetDeps {
  clock: Clock;
  logger: Logger;
  /** Stops every send at its next wait or request (SIGTERM). */
  signal?: AbortSignal | undefined;
  tuning?: Partial<HecTuning>;
  random?: () => number;
}

/** The longest a Retry-After is waited out before the next try. */
export const MAX_RETRY_AFTER_MS = 30_000;

const EVENT_PATH = "/services/collector/event";
const ACK_PATH = "/services/collector/ack";
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL|HOSTNAME_MISMATCH|ERR_OSSL/;

/** A Splunk HTTP Event Collector as a forward target (see docs/splunk-hec.md). */
export function createHecTarget(settings: HecSettings, deps: HecTargetDeps): ForwardTarget {
  const t: HecTuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const { clock, logger } = deps;
  const random = deps.random ?? Math.random;
  const name = `hec ${settings.url}`;
  const { http, close } = createHecHttp(settings, t.requestTimeoutMs);
  // One channel for the target's life: Splunk numbers ackIds per channel.
  const channel = randomUUID();
  const headers: Record<string, string> = {
    Authorization: `Splunk ${settings.token}`,
    ...(settings.ack ? { "X-Splunk-Request-Channel": channel } : {}),
  };
  const opts = { index: settings.index, sourcetype: settings.sourcetype };
  let closed = false;
  if (settings.tlsInsecure) {
    logger.warn(
      { event: "hec-tls-insecure", target: name },
      "VCO_HEC_TLS_INSECURE=true: the collector's certificate is not checked, so anyone in the " +
        "path can take the HEC token; set VCO_HEC_CA_FILE instead",
    );
  }

  /** POST with the short retries of this target; the accepted answer, or a typed error. */
  async function call(path: string, body: string, signal: AbortSignal | undefined) {
    const isAck = path === ACK_PATH;
    let busy = 0;
    let broken = 0;
    for (;;) {
      if (signal?.aborted) throw stopped();
      const answer = await post(http, path, body, headers, signal).catch((err: unknown) => {
        if (signal?.aborted) throw stopped();
        return networkFailure(err);
      });
      if (typeof answer === "string") {
        if (++broken > t.networkRetries) {
          throw new DeliveryError(
            `${name}: ${answer} after ${broken} attempts; the events wait in events.json and are ` +
              "sent when it is back (check that Splunk runs and the HEC port is reachable)",
          );
        }
        logger.warn({ event: "hec-retrying", target: name, reason: answer, attempt: broken });
        await clock.sleep(backoffDelay(broken, random), signal);
        continue;
      }
      if (isAck && answer.status >= 200 && answer.status < 300) return answer;
      const refusal = classifyAnswer(answer.status, answer.body, name, answer.retryAfter);
      if (!refusal) return answer;
      if (++busy > t.busyRetries) {
        throw new DeliveryError(
          `${name} stayed busy (${refusal.reason}) through ${busy} attempts; the events wait in ` +
            "events.json and are sent on the next run (check the indexers' queues)",
        );
      }
      // A long Retry-After is cut short: the backlog waits in the files, not in this process.
      const asked = parseRetryAfter(refusal.retryAfter, clock.now());
      const wait =
        asked === undefined ? backoffDelay(busy, random) : Math.min(asked, MAX_RETRY_AFTER_MS);
      logger.warn({ event: "hec-retrying", target: name, reason: refusal.reason, waitMs: wait });
      await clock.sleep(wait, signal);
    }
  }

  const stopped = () =>
    new StoppedError(`stopped before ${name} confirmed; those events are sent again next time`);

  function networkFailure(err: unknown): string {
    if (!axios.isAxiosError(err)) throw err;
    // Only the code is read: an axios error carries the request, Authorization header included.
    const code = (err as { code?: unknown }).code;
    const c = typeof code === "string" ? code : "";
    if (TLS_CODES.test(c)) {
      throw new TlsError(
        `TLS check of ${name} failed (${c}): if Splunk uses a private CA (its default certificate ` +
          "is self-signed), set VCO_HEC_CA_FILE to that CA's PEM file; if the name does not " +
          "match, use the host name on its certificate in VCO_HEC_URL",
      );
    }
    return c === "ECONNABORTED" || c === "ETIMEDOUT"
      ? `no answer within ${formatDuration(t.requestTimeoutMs)} (${c})`
      : `connection failed (${c || "no answer"})`;
  }

  async function sendBatch(
    b: HecBatch,
    signal: AbortSignal | undefined,
  ): Promise<number | undefined> {
    const { body } = await call(EVENT_PATH, b.body, signal);
    logger.debug({
      event: "hec-batch-sent",
      target: name,
      events: b.count,
      bytes: b.bytes,
      ackId: body.ackId,
    });
    if (!settings.ack) return undefined;
    if (body.ackId === undefined) {
      throw new ConfigError(
        `${name} accepted the events but gave no ackId: VCO_HEC_ACK=true but the token has ` +
          "indexer acknowledgement off; turn it on for the token in Splunk, or set VCO_HEC_ACK=false",
      );
    }
    return body.ackId;
  }

  async function waitForAcks(waits: AckWait[], signal: AbortSignal | undefined): Promise<void> {
    while (waits.length > 0) {
      await clock.sleep(t.ackPollMs, signal);
      if (signal?.aborted) throw stopped();
      const { raw } = await call(
        ACK_PATH,
        JSON.stringify({ acks: waits.map((w) => w.ackId) }),
        signal,
      );
      const acked = ackedIds(raw);
      if (acked === undefined) {
        throw new ConfigError(
          `${name} answered the ack query with something other than HEC's {"acks":{...}}: ` +
            "check VCO_HEC_URL (is it Splunk's HEC port?)",
        );
      }
      for (let i = waits.length - 1; i >= 0; i--)
        if (acked.has(waits[i]!.ackId)) waits.splice(i, 1);
      for (const w of waits) {
        if (clock.now() - w.since < t.ackTimeoutMs) continue;
        if (w.resends >= t.ackResends) {
          throw new DeliveryError(
            `${name} accepted ${w.batch.count} events but never acknowledged indexing them ` +
              `(${formatDuration(t.ackTimeoutMs)} each, sent ${w.resends + 1} times); they stay in ` +
              "events.json and are sent again next time (check the indexers' health)",
          );
        }
        logger.warn({
          event: "hec-ack-timeout",
          target: name,
          events: w.batch.count,
          ackId: w.ackId,
        });
        w.ackId = (await sendBatch(w.batch, signal))!;
        w.since = clock.now();
        w.resends++;
      }
    }
  }

  return {
    name,
    async send(items: readonly ForwardItem[], signal?: AbortSignal): Promise<void> {
      if (closed) throw new Error(`${name} is closed`);
      const sig =
        signal && deps.signal ? AbortSignal.any([signal, deps.signal]) : (signal ?? deps.signal);
      const waits: AckWait[] = [];
      const events = (function* () {
        for (const item of items) yield envelope(item, opts);
      })();
      for (const b of batches(events, t.maxBatchBytes)) {
        const ackId = await sendBatch(b, sig);
        if (ackId !== undefined) waits.push({ batch: b, ackId, since: clock.now(), resends: 0 });
      }
      await waitForAcks(waits, sig);
      logger.debug({
        event: "hec-delivered",
        target: name,
        events: items.length,
        ack: settings.ack,
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      close();
    },
  };
}

interface Answer {
  status: number;
  body: HecAnswer;
  raw: string;
  retryAfter: unknown;
}

async function post(
  http: AxiosInstance,
  path: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  const res = await http.post<string>(path, body, { headers, ...(signal ? { signal } : {}) });
  const raw = typeof res.data === "string" ? res.data : "";
  return {
    status: res.status,
    body: parseAnswer(raw),
    raw,
    retryAfter: res.headers["retry-after"],
  };
}
