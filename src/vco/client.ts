import type { Readable } from "node:stream";
import type { AxiosInstance, AxiosResponse } from "axios";
import type * as z from "zod";
import type { Credentials } from "../config.js";
import {
  AuthError,
  GaveUpError,
  HttpError,
  RefusedError,
  ResponseShapeError,
  StoppedError,
  VcoError,
} from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../time.js";
import { classifyNetworkError, Retryable } from "./failures.js";
import { RequestGate } from "./gate.js";
import { PageMemory } from "./page-pool.js";
import { readBody } from "./read-body.js";
import type { MemoryReleaser } from "./release-memory.js";

/**
 * Reads a plain successful reply without JSON.parse; undefined sends it the ordinary way. `head`,
 * if set, sees the first bytes of a 200 reply while the rest is still arriving.
 */
export type FastReader = ((reply: Buffer) => unknown) & { head?: (first: Buffer) => void };
import { backoffDelay, rateLimitDelay } from "./retry.js";
import { rpcErrorSchema } from "./schemas.js";
import { loginRequest, sessionFromLogin } from "./session.js";
import { VcoClock } from "./vco-clock.js";

export interface ClientOptions {
  http: AxiosInstance;
  credentials: Credentials;
  clock: Clock;
  logger: Logger;
  maxInFlight: number;
  /** Give up on a call once it has been failing for this long (exit 75; the next run resumes). */
  retryBudgetMs: number;
  random?: () => number;
  /** Aborting stops new requests, cancels the ones in flight and ends every wait at once. */
  signal?: AbortSignal | undefined;
  /** The orchestrator's clock, fed by every reply's Date header (default: starts at ours). */
  vcoClock?: VcoClock;
  /**
   * Whether this setup has worked before. Until it has, a host that does not resolve or a 404 on
   * the API path is a setup error (exit at once); after, it is ridden out like any outage.
   */
  established?: boolean;
  /** A bound on requests in flight shared with other orchestrators' clients (VCO_CONFIG runs). */
  sharedGate?: RequestGate | undefined;
  /** Collects what reading the event replies left behind (the fetch command's). */
  releaser?: MemoryReleaser | undefined;
}

const TOKEN_ERROR = -32000;
const SESSION_EXPIRED = Symbol("session expired");

/**
 * Talks to the VCO's REST-like API (POST /portal/rest/<method>). Every failure comes out as one of
 * the typed errors in errors.ts with a message that is safe to log: no headers, no cookies, no body.
 */
export class VcoClient {
  readonly gate: RequestGate;
  readonly vcoClock: VcoClock;
  /** The run's reply buffers and batch columns, reused from page to page. */
  readonly memory = new PageMemory();
  requests = 0;
  private readonly closer = new AbortController();
  private readonly signal: AbortSignal;
  private session: string | undefined;
  private loggingIn: Promise<void> | undefined;
  private readonly random: () => number;
  private readonly host: string;

  constructor(private readonly opts: ClientOptions) {
    // close() ends everything still in flight, e.g. a page asked for ahead that nobody needs.
    this.signal = opts.signal
      ? AbortSignal.any([opts.signal, this.closer.signal])
      : this.closer.signal;
    this.gate = new RequestGate(opts.maxInFlight, opts.clock, this.signal, opts.sharedGate);
    this.random = opts.random ?? Math.random;
    this.vcoClock = opts.vcoClock ?? new VcoClock(opts.clock);
    this.host = hostOf(opts.http.defaults.baseURL);
  }

  get usesPassword(): boolean {
    return this.opts.credentials.kind === "password";
  }

  /**
   * Call a v1 method and validate the reply. Retries what is temporary, within the budget.
   * `fastParse` may read a plain successful reply without JSON.parse (see callRaw).
   */
  async call<S extends z.ZodType>(
    method: string,
    params: object,
    schema: S,
    fastParse?: FastReader,
  ): Promise<z.output<S>> {
    const reply = await this.callRaw(method, params, fastParse);
    const parsed = schema.safeParse(reply.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
      throw new ResponseShapeError(method, `${issue?.message ?? "wrong shape"}${where}`);
    }
    return parsed.data;
  }

  /**
   * `fastParse` may read a plain successful reply without JSON.parse; when it returns undefined
   * (an error, a cut-off reply, anything unusual) the reply takes the ordinary path.
   */
  async callRaw(method: string, params: object, fastParse?: FastReader): Promise<Reply> {
    for (let relogins = 0; ; relogins++) {
      if (this.usesPassword && !this.session) await this.login();
      const sentWith = this.session;
      const outcome = await this.retrying(method, () => this.attempt(method, params, fastParse));
      if (outcome !== SESSION_EXPIRED) return outcome;
      // HTTP 200 with tokenError: a password session can be renewed; a token cannot.
      if (!this.usesPassword) {
        throw new AuthError(
          "the VCO rejected the API token (invalid or expired): create a new token in the VCO " +
            "portal (Account > API Tokens) and set VCO_TOKEN",
        );
      }
      if (relogins >= 2) {
        throw new AuthError(
          `the VCO keeps rejecting fresh sessions for ${method}; check the account's privileges`,
        );
      }
      this.opts.logger.info(
        { event: "session-expired", method },
        "VCO session expired; logging in again",
      );
      if (this.session === sentWith) this.session = undefined;
    }
  }

  /** The one retry loop: repeats `attempt` while it fails in ways that pass, within the budget. */
  private async retrying<T>(method: string, attempt: () => Promise<T | Retryable>): Promise<T> {
    const { clock, logger, retryBudgetMs } = this.opts;
    const started = clock.now();
    for (let n = 1; ; n++) {
      const outcome = await attempt();
      if (!(outcome instanceof Retryable)) return outcome;
      const delayMs = outcome.penaltyMs ?? backoffDelay(n, this.random);
      const spent = clock.now() - started;
      if (spent + delayMs > retryBudgetMs) {
        throw new GaveUpError(
          `gave up on ${method} after ${n} attempts in ${Math.round(spent / 1000)}s ` +
            `(last: ${outcome.reason}); everything fetched so far is saved and the next run resumes`,
        );
      }
      logger.warn(
        { event: "retrying", method, attempt: n, retryInMs: delayMs, reason: outcome.reason },
        "VCO request failed; retrying",
      );
      // A 429 pauses every request to this VCO; other failures only delay this call.
      if (outcome.penaltyMs !== undefined) this.gate.penalize(clock.now() + delayMs);
      else await clock.sleep(delayMs, this.signal);
      this.throwIfStopped();
    }
  }

  private async attempt(
    method: string,
    params: object,
    fastParse?: FastReader,
  ): Promise<Reply | Retryable | typeof SESSION_EXPIRED> {
    // A reply meant for fastParse is read into pooled memory, which what it returns may keep.
    const res = await this.post(`/portal/rest/${method}`, params, method, fastParse);
    if (res instanceof Retryable) return res;
    const classified = this.classifyStatus(res, method);
    if (classified) return classified;
    if (fastParse && res.status === 200) {
      const fast = fastParse(res.data);
      if (fast !== undefined) return new Reply(fast);
    }
    const body = parseJson(res.data);
    this.memory.giveBuffer(res.data);
    if (body === undefined) {
      return new Retryable(`HTTP ${res.status} with a reply that is not complete JSON`);
    }
    const rpcError = rpcErrorSchema.safeParse(body);
    if (rpcError.success) {
      const { code, message } = rpcError.data.error;
      if (code === TOKEN_ERROR) return SESSION_EXPIRED;
      if (res.status >= 500) return new Retryable(`HTTP ${res.status}: ${message}`);
      throw new VcoError(code, method, message);
    }
    if (res.status !== 200) {
      return new Retryable(`unexpected HTTP ${res.status}`);
    }
    return new Reply(body);
  }

  /** Stopped on request, or closed (a page asked for ahead that nobody needs any more). */
  throwIfStopped(): void {
    if (this.signal.aborted) {
      throw new StoppedError(
        "stopped on request at a safe point; the next run resumes from the last commit",
      );
    }
  }

  /** Statuses that decide the outcome before the body is read. */
  private classifyStatus(res: AxiosResponse<Buffer>, method: string): Retryable | undefined {
    const { status } = res;
    if (status === 429) {
      const penalty = rateLimitDelay(res.headers["retry-after"], this.opts.clock.now());
      return new Retryable("HTTP 429 rate limited", penalty);
    }
    if (status === 401 || status === 403) {
      throw new RefusedError(
        status,
        method,
        `the VCO refused ${method} with HTTP ${status}: check the credentials and that the account ` +
          "may read enterprise events",
      );
    }
    if (status >= 500) return new Retryable(`HTTP ${status}`);
    if (status === 404) {
      // Once the setup has worked, a 404 is the VCO (or its load balancer) in maintenance.
      if (this.opts.established) return new Retryable(`HTTP 404 on ${method}`);
      throw new HttpError(
        404,
        method,
        `${this.host} is not a VeloCloud Orchestrator (no API at /portal/rest/); check VCO_HOSTNAME`,
      );
    }
    return undefined;
  }

  private async post(
    url: string,
    params: object,
    method: string,
    fast?: FastReader,
  ): Promise<AxiosResponse<Buffer> | Retryable> {
    const headers: Record<string, string> = {};
    const creds = this.opts.credentials;
    if (creds.kind === "token") headers.Authorization = `Token ${creds.token}`;
    else if (this.session) headers.Cookie = `velocloud.session=${this.session}`;
    // axios's timeout only notices a silent socket; a server that trickles a byte now and then
    // would hold a request forever, so the whole request also gets a deadline.
    const limit = this.opts.http.defaults.timeout ?? 0;
    let late = false;
    try {
      return await this.gate.run(async () => {
        this.throwIfStopped();
        this.requests++;
        // Not AbortSignal.timeout and AbortSignal.any: their timer and the run's link to the
        // request's signal stay until the timeout fires, long after the reply, which kept about
        // 400 bytes per request of a run over a thousand quiet enterprises.
        const request = new AbortController();
        const abort = () => request.abort();
        const deadline =
          limit > 0
            ? setTimeout(() => {
                late = true;
                abort();
              }, limit).unref()
            : undefined;
        this.signal.addEventListener("abort", abort);
        try {
          const res = await this.opts.http.post<Readable>(url, params, {
            headers,
            responseType: "stream",
            signal: request.signal,
          });
          this.vcoClock.observe(res.headers.date, this.opts.clock.now());
          // Read inside the gate and under the deadline: a reply is only done when all of it is in.
          const memory = fast ? this.memory : undefined;
          const head = res.status === 200 ? fast?.head : undefined;
          const data = await readBody(res.data, res.headers["content-length"], memory, head);
          if (memory) this.opts.releaser?.afterReply(data.length);
          return Object.assign(res, { data });
        } finally {
          clearTimeout(deadline);
          this.signal.removeEventListener("abort", abort);
        }
      });
    } catch (err) {
      this.throwIfStopped();
      if (late)
        return new Retryable(`no reply in time (nothing complete within ${limit} ms) on ${method}`);
      return classifyNetworkError(err, method, this.host, this.opts.established ?? false);
    }
  }

  /** Password login, shared by every call that finds no session. */
  async login(): Promise<void> {
    const creds = this.opts.credentials;
    if (creds.kind !== "password") return;
    this.loggingIn ??= this.retrying(loginRequest(creds).method, async () => {
      const { method, params } = loginRequest(creds);
      const res = await this.post(`/portal/rest/${method}`, params, method);
      if (res instanceof Retryable) return res;
      const session = sessionFromLogin(res, creds, (status) => status === 429 || status >= 500);
      if (session === undefined) return this.classifyStatus(res, method)!;
      this.session = session;
      this.opts.logger.debug(
        { event: "logged-in", loginType: creds.loginType },
        "logged in to the VCO",
      );
      return undefined;
    }).finally(() => {
      this.loggingIn = undefined;
    });
    return this.loggingIn;
  }

  /** Abort whatever is still in flight or waiting: the run is over. */
  close(): void {
    this.closer.abort();
  }

  /** Ends a password session. Best effort: the run's work is already saved. */
  async logout(): Promise<void> {
    if (!this.session) return;
    const res = await this.post("/portal/rest/logout", {}, "logout");
    this.session = undefined;
    if (res instanceof Retryable)
      this.opts.logger.debug(
        { event: "logout-failed", reason: res.reason },
        "logout failed; the session will expire on its own",
      );
  }
}

/** A successful reply, parsed. */
export class Reply {
  constructor(readonly body: unknown) {}
}

function hostOf(baseUrl: string | undefined): string {
  try {
    return new URL(baseUrl ?? "").host;
  } catch {
    return baseUrl ?? "the orchestrator";
  }
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString("utf8"));
  } catch {
    return undefined;
  }
}
