import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { RpcFailure, type SimPrincipal } from "./methods.js";
import type { Replies } from "./rpc.js";

export interface SimUser {
  username: string;
  password: string;
  principal: SimPrincipal;
}

/** Who made a call, and the name the rate limiter counts it under. */
export interface SimCaller {
  principal: SimPrincipal;
  client: string;
}

/** The simulator options auth reads, looked up at each login so tests may change them. */
export interface SimAuthOptions {
  sessionTtlMs?: number;
  /** The spec allows a successful login to answer 302 as well as 200. */
  loginSuccessStatus?: 200 | 302;
}

/** The VCO's two ways in: API tokens, and password logins that hand out session cookies. */
export class SimAuth {
  readonly tokens = new Map<string, { principal: SimPrincipal; expiresAt?: number }>();
  readonly users: SimUser[] = [];
  readonly sessions = new Map<string, { principal: SimPrincipal; expiresAt: number }>();
  /** Every session id handed out, including ones since ended (tests look for leaks of them). */
  readonly issuedSessions: string[] = [];

  constructor(
    private readonly options: SimAuthOptions,
    private readonly now: () => number,
    private readonly out: Replies,
  ) {}

  addToken(token: string, principal: SimPrincipal, expiresAt?: number): void {
    this.tokens.set(token, expiresAt === undefined ? { principal } : { principal, expiresAt });
  }

  addUser(user: SimUser): void {
    this.users.push(user);
  }

  /** Every session ends now: the next call with one gets an HTTP 200 tokenError. */
  expireSessions(): void {
    for (const s of this.sessions.values()) s.expiresAt = 0;
  }

  /** A token in the Authorization header wins; else the session cookie; failures are HTTP 200s. */
  authenticate(req: IncomingMessage): SimCaller | RpcFailure {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Token (.+)$/.exec(auth);
      const t = m ? this.tokens.get(m[1]!) : undefined;
      if (!t) return new RpcFailure(-32000, "tokenError [Invalid API Token]", 200);
      if (t.expiresAt !== undefined && t.expiresAt <= this.now())
        return new RpcFailure(-32000, "tokenError [expired API Token]", 200);
      return { principal: t.principal, client: `token:${m![1]}` };
    }
    const sid = readCookie(req.headers.cookie, "velocloud.session");
    if (!sid) return new RpcFailure(-32000, "tokenError [Authorization Cookie not received]", 200);
    const s = this.sessions.get(sid);
    if (!s || s.expiresAt <= this.now())
      return new RpcFailure(-32000, "tokenError [expired session]", 200);
    return { principal: s.principal, client: `session:${sid}` };
  }

  /** A failed login is a 302 back to the login page, the reason in a velocloud.message cookie. */
  login(res: ServerResponse, method: string, params: Record<string, unknown>): void {
    const user = this.users.find(
      (u) => u.username === params.username && u.password === params.password,
    );
    const operatorLogin = method === "login/operatorLogin";
    const fail = (reason: string) => {
      res.setHeader("Set-Cookie", `velocloud.message=${encodeURIComponent(reason)}; Path=/`);
      res.setHeader("Location", "/login.html");
      this.out.send(res, 302, "text/html", "", method);
    };
    if (!user) return fail("Invalid username or password");
    if ((user.principal.type === "operator") !== operatorLogin) {
      return fail(
        operatorLogin
          ? "Invalid username or password"
          : "Operator users must use the operator login",
      );
    }
    const sid = randomBytes(24).toString("base64url");
    this.issuedSessions.push(sid);
    this.sessions.set(sid, {
      principal: user.principal,
      expiresAt: this.now() + (this.options.sessionTtlMs ?? 24 * 3_600_000),
    });
    res.setHeader("Set-Cookie", `velocloud.session=${sid}; Path=/; HttpOnly; Secure; SameSite=Lax`);
    const status = this.options.loginSuccessStatus ?? 200;
    if (status === 302) res.setHeader("Location", "/");
    this.out.send(
      res,
      status,
      "text/html",
      status === 200 ? "<html><body>Logged in</body></html>" : "",
      method,
    );
  }

  logout(req: IncomingMessage, res: ServerResponse): void {
    const sid = readCookie(req.headers.cookie, "velocloud.session");
    if (sid) this.sessions.delete(sid);
    res.setHeader("Set-Cookie", "velocloud.session=; Path=/; Max-Age=0");
    res.setHeader("Location", "/login.html");
    this.out.send(res, 302, "text/html", "", "logout");
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}
