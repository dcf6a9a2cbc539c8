// A Splunk HTTP Event Collector stand-in on loopback, written from Splunk's documented API (no real
// Splunk is reachable here): POST /services/collector/event with concatenated JSON event objects,
// `Authorization: Splunk <token>`, indexer acknowledgement per channel through POST
// /services/collector/ack, GET /services/collector/health, and the documented answers
// `{"text":...,"code":N}` with their HTTP statuses. Tests script its faults and read what it got.
import type { AddressInfo } from "node:net";
import http from "node:http";
import https from "node:https";
import { after } from "node:test";

/** Splunk's documented HEC status codes (text, HTTP status) that this stand-in answers with. */
export const HEC_CODES = {
  0: ["Success", 200],
  1: ["Token disabled", 403],
  2: ["Token is required", 401],
  3: ["Invalid authorization", 401],
  4: ["Invalid token", 403],
  5: ["No data", 400],
  6: ["Invalid data format", 400],
  7: ["Incorrect index", 400],
  8: ["Internal server error", 500],
  9: ["Server is busy", 503],
  10: ["Data channel is missing", 400],
  11: ["Invalid data channel", 400],
  12: ["Event field is required", 400],
  13: ["Event field cannot be blank", 400],
  14: ["ACK is disabled", 400],
  17: ["HEC is healthy", 200],
} as const satisfies Record<number, readonly [string, number]>;

export type HecCode = keyof typeof HEC_CODES;

export interface HecTokenSetup {
  /** Indexer acknowledgement on for this token (then every request needs a channel). */
  ack?: boolean;
  disabled?: boolean;
  /** Indexes the token may write to; any when absent. */
  indexes?: string[];
}

/**
 * What the next /services/collector/event request (that passed the token check) meets, in order:
 * a documented code's answer, a 429 with Retry-After, a connection dropped before the body is read,
 * dropped after the events were taken (the answer is lost, the events are in), or no answer at all
 * (nothing taken).
 */
export type HecFault =
  { code: HecCode } | { status: 429; retryAfter?: string } | "drop" | "drop-after-receive" | "hang";

export interface ReceivedEvent {
  /** The number of the /event request it came in (from 1). */
  request: number;
  channel: string | undefined;
  ackId: number | undefined;
  /** The HEC event object as parsed: time, host, source, event, fields ... */
  hec: Record<string, unknown>;
}

export interface HecRequestRecord {
  method: string;
  path: string;
  status: number;
  code: number | undefined;
  bytes: number;
  channel: string | undefined;
}

export interface HecReceiverOptions {
  tokens: Record<string, HecTokenSetup>;
  /** Serve https with this key and certificate (test/helpers/pki.ts). */
  tls?: { key: string; cert: string };
  /** Splunk's max_content_length: a larger body gets 413. */
  maxContentLength?: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class HecReceiver {
  readonly events: ReceivedEvent[] = [];
  readonly requests: HecRequestRecord[] = [];
  /** Faults for the next /event requests, consumed in order; null passes one request through. */
  script: Array<HecFault | null> = [];
  /**
   * When an ackId reads as indexed: at once, never ("withheld"), or after that many ack queries
   * asked for it.
   */
  acks: "immediate" | "withheld" | number = "immediate";
  url = "";
  private server: http.Server;
  private eventRequests = 0;
  /** Per channel: the next ackId, and the outstanding ones with the queries they have seen. */
  private channels = new Map<string, { next: number; pending: Map<number, number> }>();

  constructor(private readonly o: HecReceiverOptions) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    this.server = o.tls
      ? https.createServer({ key: o.tls.key, cert: o.tls.cert }, handler)
      : http.createServer(handler);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `${this.o.tls ? "https" : "http"}://${this.o.tls ? "localhost" : "127.0.0.1"}:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Every event's `event` field, in the order received. */
  eventBodies(): unknown[] {
    return this.events.map((e) => e.hec.event);
  }

  /** Marks every outstanding ackId as indexed (for tests that hold acks, then let them go). */
  releaseAcks(): void {
    this.acks = "immediate";
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname.replace(/\/+$/, "");
    const record = (status: number, code: number | undefined, bytes: number, channel?: string) =>
      this.requests.push({ method: req.method ?? "", path, status, code, bytes, channel });
    const answer = (code: HecCode, extra: Record<string, unknown> = {}, bytes = 0, ch?: string) => {
      const [text, status] = HEC_CODES[code];
      record(status, code, bytes, ch);
      send(res, status, { text, code, ...extra });
    };

    if (path === "/services/collector/health" && req.method === "GET") {
      req.resume();
      return answer(17);
    }
    const isEvent = path === "/services/collector/event" || path === "/services/collector";
    const isAck = path === "/services/collector/ack";
    if (!isEvent && !isAck) {
      req.resume();
      record(404, undefined, 0);
      return send(res, 404, { text: "The requested URL was not found on this server.", code: 404 });
    }
    if (req.method !== "POST") {
      req.resume();
      record(405, undefined, 0);
      return send(res, 405, { text: "Method Not Allowed", code: 405 });
    }

    // The token first, then the channel, then the body (the order Splunk documents its codes in).
    const auth = req.headers.authorization;
    if (auth === undefined) return (req.resume(), answer(2));
    const m = /^Splunk (\S+)$/.exec(auth);
    if (!m) return (req.resume(), answer(3));
    const token = this.o.tokens[m[1]!];
    if (!token) return (req.resume(), answer(4));
    if (token.disabled) return (req.resume(), answer(1));

    const headerChannel = req.headers["x-splunk-request-channel"];
    const channel =
      (typeof headerChannel === "string" ? headerChannel : undefined) ??
      url.searchParams.get("channel") ??
      undefined;
    if (isAck && !token.ack) return (req.resume(), answer(14));
    if (token.ack) {
      if (channel === undefined) return (req.resume(), answer(10));
      if (!GUID.test(channel)) return (req.resume(), answer(11));
    }

    const fault = isEvent ? this.nextFault() : null;
    if (fault === "drop") {
      req.socket.destroy();
      record(0, undefined, 0, channel);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const limit = this.o.maxContentLength;
      if (limit !== undefined && body.length > limit) {
        record(413, undefined, body.length, channel);
        return send(res, 413, {
          text: `Content-Length of ${body.length} too large (maximum is ${limit})`,
          code: 413,
        });
      }
      if (isAck) return this.answerAcks(body, channel!, res, record);
      if (fault === "hang") return record(0, undefined, body.length, channel);
      if (typeof fault === "object" && fault !== null) {
        if ("status" in fault) {
          record(429, undefined, body.length, channel);
          const h = fault.retryAfter ? { "Retry-After": fault.retryAfter } : {};
          return send(res, 429, { text: "Too Many Requests", code: 429 }, h);
        }
        return answer(fault.code, {}, body.length, channel);
      }
      this.takeEvents(body, token, channel, fault === "drop-after-receive", res, answer);
    });
  }

  private nextFault(): HecFault | null {
    this.eventRequests++;
    return this.script.length > 0 ? (this.script.shift() ?? null) : null;
  }

  private takeEvents(
    body: Buffer,
    token: HecTokenSetup,
    channel: string | undefined,
    dropAnswer: boolean,
    res: http.ServerResponse,
    answer: (code: HecCode, extra?: Record<string, unknown>, bytes?: number, ch?: string) => void,
  ): void {
    const bytes = body.length;
    const parsed = splitConcatenatedJson(body.toString("utf8"));
    if (parsed === undefined) return answer(6, {}, bytes, channel);
    if (parsed.length === 0) return answer(5, {}, bytes, channel);
    // Splunk takes the whole request or none of it here (it names the first bad event).
    for (const [i, o] of parsed.entries()) {
      if (typeof o !== "object" || o === null || Array.isArray(o))
        return answer(6, { "invalid-event-number": i }, bytes, channel);
      const e = o as Record<string, unknown>;
      if (!("event" in e)) return answer(12, { "invalid-event-number": i }, bytes, channel);
      if (e.event === "" || e.event === null)
        return answer(13, { "invalid-event-number": i }, bytes, channel);
      if (token.indexes && typeof e.index === "string" && !token.indexes.includes(e.index))
        return answer(7, { "invalid-event-number": i }, bytes, channel);
    }
    let ackId: number | undefined;
    if (token.ack) {
      const ch = this.channel(channel!);
      ackId = ch.next++;
      ch.pending.set(ackId, 0);
    }
    for (const hec of parsed)
      this.events.push({
        request: this.eventRequests,
        channel,
        ackId,
        hec: hec as Record<string, unknown>,
      });
    if (dropAnswer) {
      this.requests.push({
        method: "POST",
        path: "/services/collector/event",
        status: 0,
        code: undefined,
        bytes,
        channel,
      });
      res.socket?.destroy();
      return;
    }
    answer(0, ackId === undefined ? {} : { ackId }, bytes, channel);
  }

  private channel(id: string) {
    let ch = this.channels.get(id);
    if (!ch) this.channels.set(id, (ch = { next: 0, pending: new Map() }));
    return ch;
  }

  private answerAcks(
    body: Buffer,
    channel: string,
    res: http.ServerResponse,
    record: (status: number, code: number | undefined, bytes: number, ch?: string) => void,
  ): void {
    let ids: unknown;
    try {
      ids = (JSON.parse(body.toString("utf8")) as { acks?: unknown }).acks;
    } catch {
      ids = undefined;
    }
    if (!Array.isArray(ids) || !ids.every((n) => Number.isInteger(n))) {
      record(400, 6, body.length, channel);
      return send(res, 400, { text: HEC_CODES[6][0], code: 6 });
    }
    const ch = this.channel(channel);
    const acks: Record<string, boolean> = {};
    for (const id of ids as number[]) {
      const seen = ch.pending.get(id);
      if (seen === undefined) {
        acks[String(id)] = false; // unknown, or already reported (Splunk forgets an ack once read)
        continue;
      }
      ch.pending.set(id, seen + 1);
      const done =
        this.acks === "immediate" || (typeof this.acks === "number" && seen + 1 >= this.acks);
      acks[String(id)] = done;
      if (done) ch.pending.delete(id);
    }
    record(200, undefined, body.length, channel);
    send(res, 200, { acks });
  }
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8", ...headers });
  res.end(text);
}

/**
 * HEC's batch form: JSON objects one after another, whitespace (or nothing) between them, no array
 * and no commas. Undefined when the text is not that.
 */
export function splitConcatenatedJson(text: string): unknown[] | undefined {
  const out: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === " " || c === "\n" || c === "\r" || c === "\t") {
      i++;
      continue;
    }
    if (c !== "{") return undefined;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === "\\") i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) break;
      }
    }
    if (depth !== 0 || i >= n) return undefined;
    try {
      out.push(JSON.parse(text.slice(start, ++i)));
    } catch {
      return undefined;
    }
  }
  return out;
}

/** A receiver started on loopback; the caller stops it (after()). */
export async function startHecReceiver(o: HecReceiverOptions): Promise<HecReceiver> {
  return new HecReceiver(o).start();
}

/** A started receiver taking these tokens, stopped when the test file ends. */
export async function hecReceiverFor(tokens: HecReceiverOptions["tokens"]): Promise<HecReceiver> {
  const r = await startHecReceiver({ tokens });
  after(() => r.stop());
  return r;
}
