import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { SimAuth, type SimUser } from "./auth.js";
import { EventStore } from "./event-store.js";
import type { Shape } from "./event-factory.js";
import { injure, tooMany, wrongShape } from "./fault-replies.js";
import { NO_FAULTS, pickFault, seededRandom, type Fault, type FaultRates } from "./faults.js";
import {
  METHODS,
  RpcFailure,
  type MethodContext,
  type SimEnterprise,
  type SimPrincipal,
} from "./methods.js";
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from "./rate-limiter.js";
import { readCall, Replies, type RequestLogEntry } from "./rpc.js";

// Re-exported so callers keep importing the simulator's types from one place.
export type { SimUser } from "./auth.js";
export type { RequestLogEntry } from "./rpc.js";

export interface SimulatorOptions {
  /** How events are shaped: classic integer ids, or VCO 6.2+ logicalIds. */
  shape?: Shape;
  /** Older VCOs: `more` without a nextPageLink. */
  legacyPaging?: boolean;
  /** An orchestrator that refuses every filter.rules (an older or stricter one): 400, -32602. */
  noRules?: boolean;
  pageLimit?: number;
  sessionTtlMs?: number;
  /** The spec allows a successful login to answer 302 as well as 200. */
  loginSuccessStatus?: 200 | 302;
  rateLimit?: Partial<RateLimitOptions>;
  /** Send Retry-After with 429s (the spec documents none). */
  retryAfterHeader?: boolean;
  seed?: number;
  /** The VCO's clock (default: the wall clock, shifted by clockOffsetMs). */
  now?: () => number;
  /** How far the VCO's clock is from the wall clock, in ms (negative: behind). */
  clockOffsetMs?: number;
  /** Serve https with this key and certificate (PEM) instead of plain http. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Time each admitted API call takes to answer, so concurrency limits have something to bite on. */
  latencyMs?: number;
  /** latencyMs for these methods only (every method, when absent). */
  latencyMethods?: string[];
  /**
   * Event queries also take this long for each event they return (fractions of a ms allowed), as a
   * real VCO takes longer over a full page: answering time latencyMs + events × this.
   */
  latencyPerEventMs?: number;
}

/**
 * A VeloCloud Orchestrator API v1 stand-in built from the 5.0 spec, as awkward as the real thing:
 * newest-first pages of at most 2048, offset-based nextPageLinks (or none, in legacy mode), auth
 * failures as HTTP 200 tokenErrors, 302 login failures, session expiry, 429 penalties, events that
 * are published late, and switchable faults.
 */
export class Simulator {
  readonly enterprises = new Map<number, SimEnterprise>();
  /** Each partner's own events (event/getProxyEvents), by partner (enterprise proxy) id. */
  readonly partnerStores = new Map<number, EventStore>();
  /** The operator's and gateways' events (event/getOperatorEvents). */
  readonly operatorStore: EventStore;
  readonly log: RequestLogEntry[] = [];
  faults: FaultRates = { ...NO_FAULTS };
  /** Fault injection only touches these methods (all, when empty). */
  faultMethods: string[] = [];
  /**
   * Faults for the next matching requests, in order, before any random ones: deterministic tests.
   * `null` lets one request through untouched.
   */
  script: Array<Fault | null> = [];
  /** One enterprise's event requests made slow, or always faulty, whatever the others get. */
  readonly enterpriseTrouble = new Map<number, { delayMs?: number; fault?: Fault }>();
  /** Called as each API request arrives (after its body is read), with its method and 1-based count. */
  onRequest: ((method: string, n: number) => void) | undefined;
  /** API requests being served right now, and the most there ever were at once. */
  inFlight = 0;
  peakInFlight = 0;
  readonly limiter: RateLimiter;
  private readonly auth: SimAuth;
  private readonly out: Replies;
  private readonly server: http.Server | https.Server;
  private requestCount = 0;
  private readonly random: () => number;
  /** The VCO's own now: its events, sessions, rate limits and Date headers all follow it. */
  readonly now: () => number;
  private nextFirstId = 1_000_000;
  baseUrl = "";

  constructor(readonly options: SimulatorOptions = {}) {
    const base = options.now ?? Date.now;
    const offset = options.clockOffsetMs ?? 0;
    this.now = offset === 0 ? base : () => base() + offset;
    this.random = seededRandom(options.seed ?? 42);
    this.limiter = new RateLimiter({ ...DEFAULT_RATE_LIMIT, ...options.rateLimit });
    this.out = new Replies(this.log, this.now);
    this.auth = new SimAuth(options, this.now, this.out);
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = options.tls
      ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler)
      : http.createServer(handler);
    this.server.keepAliveTimeout = 5_000;
    this.operatorStore = new EventStore(options.shape ?? "classic", "Global", 500_000, "operator");
  }

  /** Partner `proxyId`'s own events, made empty on first use. */
  partnerEvents(proxyId: number): EventStore {
    let store = this.partnerStores.get(proxyId);
    if (!store) {
      store = new EventStore(this.options.shape ?? "classic", "", this.nextFirstId, "partner");
      this.nextFirstId += 1_000_000_000;
      this.partnerStores.set(proxyId, store);
    }
    return store;
  }

  addEnterprise(id: number, name: string, proxyId?: number): SimEnterprise {
    const store = new EventStore(this.options.shape ?? "classic", name, this.nextFirstId);
    // Far enough apart that no enterprise's classic ids run into the next one's, at any backlog
    // `simulate` takes.
    this.nextFirstId += 1_000_000_000;
    const e: SimEnterprise = { id, name, logicalId: randomUUID(), proxyId, store };
    this.enterprises.set(id, e);
    return e;
  }

  // Tokens, users and sessions live in SimAuth; these keep the simulator's API as it was.
  get tokens(): SimAuth["tokens"] {
    return this.auth.tokens;
  }
  get users(): SimAuth["users"] {
    return this.auth.users;
  }
  get sessions(): SimAuth["sessions"] {
    return this.auth.sessions;
  }
  /** Every session id handed out, including ones since ended (tests look for leaks of them). */
  get issuedSessions(): SimAuth["issuedSessions"] {
    return this.auth.issuedSessions;
  }

  addToken(token: string, principal: SimPrincipal, expiresAt?: number): void {
    this.auth.addToken(token, principal, expiresAt);
  }

  addUser(user: SimUser): void {
    this.auth.addUser(user);
  }

  /** Every session ends now: the next call with one gets an HTTP 200 tokenError. */
  expireSessions(): void {
    this.auth.expireSessions();
  }

  count(method: string): number {
    return this.log.filter((l) => l.method === method).length;
  }

  async start(port = 0, host = "127.0.0.1"): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.baseUrl = `${this.options.tls ? "https" : "http"}://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    const rest = /^\/portal\/rest\/(.+)$/.exec(url.pathname);
    const rpc = url.pathname === "/portal" || url.pathname === "/portal/";
    if (!rest && !rpc)
      return this.out.send(res, 404, "text/html", "<html><body>Not Found</body></html>", "?");
    if (req.method !== "POST")
      return this.out.send(
        res,
        405,
        "text/html",
        "<html><body>Method Not Allowed</body></html>",
        "?",
      );

    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    res.once("close", () => this.inFlight--);
    const call = await readCall(req, rest ? rest[1]! : undefined);
    if ("failure" in call) return this.out.rpcError(res, call.id, call.failure, call.method);
    const { method, params, rpcId } = call;

    this.onRequest?.(method, ++this.requestCount);
    const troubled =
      method === "event/getEnterpriseEvents"
        ? this.enterpriseTrouble.get(Number(params.enterpriseId))
        : undefined;
    if (troubled?.delayMs) await sleep(troubled.delayMs);
    const fault = troubled?.fault ?? this.nextFault(method);
    if (fault && fault !== "rateLimited" && fault !== "wrongShape")
      return injure(this.out, res, fault, method);

    if (method === "login/enterpriseLogin" || method === "login/operatorLogin") {
      if (fault === "rateLimited") return this.tooMany(res, this.limiter.options.penaltyMs, method);
      return this.auth.login(res, method, params);
    }
    if (method === "logout") return this.auth.logout(req, res);

    const who = this.auth.authenticate(req);
    if (who instanceof RpcFailure) return this.out.rpcError(res, rpcId, who, method, rpc);
    const admitted =
      fault === "rateLimited"
        ? { ok: false as const, retryAfterMs: this.limiter.options.penaltyMs }
        : this.limiter.admit(who.client, this.now());
    if (!admitted.ok) return this.tooMany(res, admitted.retryAfterMs, method);
    try {
      const { latencyMs, latencyMethods, latencyPerEventMs } = this.options;
      if (latencyMs && (!latencyMethods || latencyMethods.includes(method))) await sleep(latencyMs);
      const handler = METHODS[method];
      if (!handler) throw new RpcFailure(-32601, `Method not found: ${method}`);
      const ctx: MethodContext = {
        principal: who.principal,
        params,
        now: this.now(),
        enterprises: this.enterprises,
        partnerEvents: (proxyId, make) =>
          make ? this.partnerEvents(proxyId) : this.partnerStore(proxyId),
        operatorEvents: this.operatorStore,
        legacyPaging: this.options.legacyPaging ?? false,
        noRules: this.options.noRules ?? false,
        pageLimit: this.options.pageLimit ?? 2048,
        served: 0,
      };
      const result = handler(ctx);
      if (latencyPerEventMs && ctx.served > 0) await sleep(ctx.served * latencyPerEventMs);
      if (fault === "wrongShape") return wrongShape(this.out, res, call, rpc);
      return this.out.result(res, call, rpc, result);
    } catch (err) {
      if (err instanceof RpcFailure) return this.out.rpcError(res, rpcId, err, method, rpc);
      const internal = new RpcFailure(-32603, "Internal error", 500);
      return this.out.rpcError(res, rpcId, internal, method, rpc);
    } finally {
      admitted.done();
    }
  }

  /** A partner's store if that partner exists: it has enterprises, or events of its own. */
  private partnerStore(proxyId: number): EventStore | undefined {
    const known =
      this.partnerStores.has(proxyId) ||
      [...this.enterprises.values()].some((e) => e.proxyId === proxyId);
    return known ? this.partnerEvents(proxyId) : undefined;
  }

  /** A scripted fault first, else a random one, for the methods fault injection touches. */
  private nextFault(method: string): Fault | undefined {
    if (this.faultMethods.length > 0 && !this.faultMethods.includes(method)) return undefined;
    return this.script.length > 0
      ? (this.script.shift() ?? undefined)
      : pickFault(this.faults, this.random);
  }

  private tooMany(res: ServerResponse, retryAfterMs: number, method: string): void {
    tooMany(this.out, res, retryAfterMs, method, this.options.retryAfterHeader);
  }
}

/** Unref'd: a request held for a minute must not keep a test process alive once the server stops. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
