import type { Readable } from "node:stream";
import type { AxiosInstance, AxiosResponse } from "axios";
import type { z } from "zod";
import type { Credentials } from "../config.js";
import {
  AuthError,
  ConfigError,
  HttpError,
  ResponseShapeError,
  StoppedError,
  TemporaryError,
  VcoError,
} from "../errors.js";
import type { Logger } from "../logger.js";
import type { Clock } from "../time.js";
import { RequestGate } from "./gate.js";
import { backoffDelay, rateLimitDelay } from "./retry.js";
import { giveBuffer, takeBuffer } from "./page-pool.js";
import { rpcErrorSchema } from "./schemas.js";

export interface ClientOptions {
  http: AxiosInstance;
  credentials: Credentials;
  clock: Clock;
  logger: Logger;
  maxInFlight: number;
  /** Give up on a call once it has been failing for this long (exit 75; the next run resumes). */
  retryBudgetMs: number;
  random?: () => number;
  /** Aborting stops new requests and cancels the ones in flight; nothing half-done is kept. */
  signal?: AbortSignal | undefined;
}

/** A failed attempt that is worth repeating after `delayMs`. */
class Retryable {
  constructor(
    readonly reason: string,
    /** Set for 429: the penalty to sit out. Otherwise the caller backs off exponentially. */
    readonly penaltyMs?: number,
  ) {}
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/;
const TOKEN_ERROR = -32000;

/**
 * Talks to the VCO's REST-like API (POST /portal/rest/<method>). Every failure comes out as one of
 * the typed errors in errors.ts with a message that is safe to log: no headers, no cookies, no body.
 */
export class VcoClient {
  readonly gate: RequestGate;
  requests = 0;
  private readonly closer = new AbortController();
  private session: string | undefined;
  private loggingIn: Promise<void> | undefined;
  private readonly random: () => number;

  constructor(private readonly opts: ClientOptions) {
    // Waits (backoff, 429 penalties) end early when the run is told to stop.
    // close() ends everything still in flight, e.g. a page asked for ahead that nobody needs.
    const signal = opts.signal
      ? AbortSignal.any([opts.signal, this.closer.signal])
      : this.closer.signal;
    opts = this.opts = { ...opts, signal, clock: interruptible(opts.clock, signal) };
    this.gate = new RequestGate(opts.maxInFlight, opts.clock, signal);
    this.random = opts.random ?? Math.random;
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
    fastParse?: (reply: Buffer) => unknown,
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
  async callRaw(
    method: string,
    params: object,
    fastParse?: (reply: Buffer) => unknown,
  ): Promise<Reply> {
    const { clock, logger, retryBudgetMs } = this.opts;
    const started = clock.now();
    let relogins = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.usesPassword && !this.session) await this.login();
      const sentWith = this.session;
      const outcome = await this.attempt(method, params, fastParse);
      if (!(outcome instanceof Retryable)) {
        if (outcome !== SESSION_EXPIRED) return outcome;
        // HTTP 200 with tokenError: a password session can be renewed; a token cannot.
        if (!this.usesPassword) {
          throw new AuthError(
            "the VCO rejected the API token (invalid or expired): create a new token in the VCO " +
              "portal (Account > API Tokens) and set VCO_TOKEN",
          );
        }
        if (++relogins > 2) {
          throw new AuthError(
            `the VCO keeps rejecting fresh sessions for ${method}; check the account's privileges`,
          );
        }
        logger.info({ method }, "VCO session expired; logging in again");
        if (this.session === sentWith) this.session = undefined;
        attempt--;
        continue;
      }
      const delayMs = outcome.penaltyMs ?? backoffDelay(attempt, this.random);
      const spent = clock.now() - started;
      if (spent + delayMs > retryBudgetMs) {
        throw new TemporaryError(
          `gave up on ${method} after ${attempt} attempts in ${Math.round(spent / 1000)}s ` +
            `(last: ${outcome.reason}); everything fetched so far is saved and the next run resumes`,
        );
      }
      logger.warn(
        { method, attempt, retryInMs: delayMs, reason: outcome.reason },
        "VCO request failed; retrying",
      );
      await this.pause(outcome, delayMs);
      this.throwIfStopped();
    }
  }

  private async attempt(
    method: string,
    params: object,
    fastParse?: (reply: Buffer) => unknown,
  ): Promise<Reply | Retryable | typeof SESSION_EXPIRED> {
    // A reply meant for fastParse is read into pooled memory, which what it returns may keep.
    const res = await this.post(`/portal/rest/${method}`, params, method, fastParse !== undefined);
    if (res instanceof Retryable) return res;
    const classified = this.classifyStatus(res, method);
    if (classified) return classified;
    if (fastParse && res.status === 200) {
      const fast = fastParse(res.data);
      if (fast !== undefined) return new Reply(fast);
    }
    const body = parseJson(res.data);
    giveBuffer(res.data);
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

  /** A 429 pauses every request to this VCO; other failures only delay this call. */
  private async pause(outcome: Retryable, delayMs: number): Promise<void> {
    if (outcome.penaltyMs !== undefined) this.gate.penalize(this.opts.clock.now() + delayMs);
    else await this.opts.clock.sleep(delayMs);
  }

  throwIfStopped(): void {
    if (this.opts.signal?.aborted) {
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
      throw new AuthError(
        `the VCO refused ${method} with HTTP ${status}: check the credentials and that the account ` +
          "may read enterprise events",
      );
    }
    if (status >= 500) return new Retryable(`HTTP ${status}`);
    if (status === 404) {
      throw new HttpError(
        404,
        method,
        "no such API method here; check that VCO_HOSTNAME is the orchestrator",
      );
    }
    return undefined;
  }

  private async post(
    url: string,
    params: object,
    method: string,
    pooled = false,
  ): Promise<AxiosResponse<Buffer> | Retryable> {
    const headers: Record<string, string> = {};
    const creds = this.opts.credentials;
    if (creds.kind === "token") headers.Authorization = `Token ${creds.token}`;
    else if (this.session) headers.Cookie = `velocloud.session=${this.session}`;
    // axios's timeout only notices a silent socket; a server that trickles a byte now and then
    // would hold a request forever, so the whole request also gets a deadline.
    const limit = this.opts.http.defaults.timeout ?? 0;
    let deadline: AbortSignal | undefined;
    try {
      return await this.gate.run(async () => {
        this.throwIfStopped();
        this.requests++;
        deadline = limit > 0 ? AbortSignal.timeout(limit) : undefined;
        const signals = [this.opts.signal, deadline].filter(
          (x): x is AbortSignal => x !== undefined,
        );
        const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
        const res = await this.opts.http.post<Readable>(url, params, {
          headers,
          responseType: "stream",
          ...(signal ? { signal } : {}),
        });
        // Read inside the gate and under the deadline: a reply is only done when all of it is in.
        const data = await readBody(res.data, res.headers["content-length"], pooled);
        return Object.assign(res, { data });
      });
    } catch (err) {
      this.throwIfStopped();
      if (deadline?.aborted)
        return new Retryable(`no reply in time (nothing complete within ${limit} ms) on ${method}`);
      return this.networkFailure(err, method);
    }
  }

  /** axios errors carry the request headers: keep only the code, never the object. */
  private networkFailure(err: unknown, method: string): Retryable {
    const e = err as { code?: string; message?: string };
    const code = e.code ?? "";
    if (TLS_CODES.test(code) || TLS_CODES.test(e.message ?? "")) {
      throw new ConfigError(
        `TLS check of the VCO failed (${code || "certificate problem"}): if the orchestrator uses a ` +
          "private CA, set VCO_CA_FILE (or NODE_EXTRA_CA_CERTS) to its PEM file",
      );
    }
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
      return new Retryable(`cannot resolve the VCO host (${code}); check VCO_HOSTNAME`);
    }
    const reason =
      code === "ECONNABORTED" || code === "ETIMEDOUT"
        ? `no reply in time (${code})`
        : `connection failed (${code || "unknown"})`;
    return new Retryable(`${reason} on ${method}`);
  }

  /** Password login. Success is a non-empty velocloud.session cookie, on 200 or 302 alike. */
  async login(): Promise<void> {
    if (!this.loggingIn) {
      this.loggingIn = this.doLogin().finally(() => {
        this.loggingIn = undefined;
      });
    }
    return this.loggingIn;
  }

  private async doLogin(): Promise<void> {
    const creds = this.opts.credentials;
    if (creds.kind !== "password") return;
    const { clock, retryBudgetMs } = this.opts;
    const method = creds.loginType === "operator" ? "login/operatorLogin" : "login/enterpriseLogin";
    const started = clock.now();
    for (let attempt = 1; ; attempt++) {
      const res = await this.post(
        `/portal/rest/${method}`,
        { username: creds.username, password: creds.password },
        method,
      );
      let retry: Retryable | undefined = res instanceof Retryable ? res : undefined;
      if (!(res instanceof Retryable)) {
        const cookies = readCookies(res.headers["set-cookie"]);
        const session = cookies.get("velocloud.session");
        if (session && (res.status === 200 || res.status === 302)) {
          this.session = session;
          this.opts.logger.debug({ loginType: creds.loginType }, "logged in to the VCO");
          return;
        }
        retry = this.classifyStatus(res, method);
        if (!retry) {
          const reason =
            cookies.get("velocloud.message") ?? `HTTP ${res.status} without a session cookie`;
          throw new AuthError(
            `login as ${creds.username} failed: ${reason}. Check VCO_USERNAME and VCO_PASSWORD` +
              (creds.loginType === "enterprise"
                ? " (operator accounts need VCO_LOGIN_TYPE=operator)"
                : ""),
          );
        }
      }
      if (!retry) continue;
      const delayMs = retry.penaltyMs ?? backoffDelay(attempt, this.random);
      if (clock.now() - started + delayMs > retryBudgetMs) {
        throw new TemporaryError(
          `gave up logging in to the VCO (last: ${retry.reason}); the next run tries again`,
        );
      }
      await this.pause(retry, delayMs);
    }
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
        { reason: res.reason },
        "logout failed; the session will expire on its own",
      );
  }
}

const SESSION_EXPIRED = Symbol("session expired");

/** A successful reply, parsed. */
export class Reply {
  constructor(readonly body: unknown) {}
}

function interruptible(clock: Clock, signal: AbortSignal): Clock {
  return {
    now: () => clock.now(),
    sleep: (ms) =>
      signal.aborted
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              signal.removeEventListener("abort", done);
              resolve();
            };
            signal.addEventListener("abort", done);
            void clock.sleep(ms).then(done);
          }),
  };
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * The whole body. Event replies go into pooled memory (page-pool.ts), sized by Content-Length when
 * the server sends one, so that a backfill does not leave a megabyte of garbage per page.
 */
async function readBody(stream: Readable, length: unknown, pooled: boolean): Promise<Buffer> {
  if (!pooled) {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  const hint = Number(length);
  let buf = takeBuffer(Number.isSafeInteger(hint) && hint > 0 ? hint : 1 << 20);
  let n = 0;
  try {
    for await (const chunk of stream) {
      const c = chunk as Buffer;
      if (n + c.length > buf.length) {
        const bigger = takeBuffer(Math.max(buf.length * 2, n + c.length));
        buf.copy(bigger, 0, 0, n);
        giveBuffer(buf);
        buf = bigger;
      }
      n += c.copy(buf, n);
    }
  } catch (err) {
    giveBuffer(buf);
    throw err;
  }
  return buf.subarray(0, n);
}

function readCookies(header: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const lines = Array.isArray(header) ? header : typeof header === "string" ? [header] : [];
  for (const line of lines) {
    const first = String(line).split(";")[0] ?? "";
    const eq = first.indexOf("=");
    if (eq <= 0) continue;
    const value = first.slice(eq + 1).trim();
    let decoded = value;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      /* keep it as sent */
    }
    if (decoded) out.set(first.slice(0, eq).trim(), decoded);
  }
  return out;
}
