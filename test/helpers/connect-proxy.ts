// A forward proxy on loopback that behaves like squid or tinyproxy: CONNECT tunnels for https,
// absolute-form forwarding for plain http, Basic auth, a deny policy, and switchable faults.
import dns from "node:dns/promises";
import http from "node:http";
import net from "node:net";

export interface ProxyOptions {
  /** Names only the proxy can resolve: "vco.proxied.test" -> { host: "127.0.0.1", port }. Any other name is resolved with dns.lookup (so "127.0.0.1" and "localhost" work). */
  hosts?: Record<string, { host: string; port: number }>;
  /** Require Basic auth (Proxy-Authorization); wrong or missing -> 407 with Proxy-Authenticate: Basic realm="..." */
  auth?: { username: string; password: string };
  /** Targets ("host" or "host:port", IPv6 as "[::1]:443") the proxy's policy forbids -> 403 */
  deny?: string[];
  /** Only these CONNECT ports are allowed (squid's SSL_ports); others -> 403. Default: any. */
  ports?: number[];
}

/** "refuse503": 503 Service Unavailable; "badGateway": 502; "reset": the client socket is reset unanswered. */
export type ProxyFault = "refuse503" | "badGateway" | "reset";

export interface ProxyLogEntry {
  method: "CONNECT" | string;
  /** The request target as sent: "host:port" for CONNECT, the absolute URL otherwise. */
  target: string;
  /** The status answered; 0 when the socket was reset unanswered. */
  status: number;
  /** Whether the Proxy-Authorization was right (always true when no auth is required). */
  authorized: boolean;
  at: number;
}

type Target = { host: string; port: number };

export const PROXY_REALM = "vco-events test proxy";
const REASONS: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  407: "Proxy Authentication Required",
  502: "Bad Gateway",
  503: "Service Unavailable",
};
const FAULT_STATUS = { refuse503: 503, badGateway: 502, reset: 0 } as const;
// RFC 9110 7.6.1: connection-specific headers a proxy must not forward, Proxy-Authorization above all.
const HOP_BY_HOP = /^(connection|keep-alive|proxy-[a-z]+|te|trailer|transfer-encoding|upgrade)$/;

export class ConnectProxy {
  readonly log: ProxyLogEntry[] = [];
  readonly proxyAuthorizationHeaders: string[] = [];
  fault: ProxyFault | undefined;
  readonly #opts: ProxyOptions;
  readonly #server: http.Server;
  readonly #sockets = new Set<net.Socket>();
  #tunnels = 0;
  #base: string | undefined;

  constructor(opts: ProxyOptions = {}) {
    this.#opts = opts;
    this.#server = http.createServer((req, res) => void this.#forward(req, res));
    this.#server.on("connect", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      void this.#connect(req, socket, head);
    });
    this.#server.on("connection", (socket: net.Socket) => this.#track(socket));
  }

  get tunnels(): number {
    return this.#tunnels;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.#base = `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
    return this.#base;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** The proxy URL, with percent-encoded credentials in its userinfo when given. */
  url(creds?: { username: string; password: string }): string {
    if (this.#base === undefined) throw new Error("the proxy is not started");
    if (!creds) return this.#base;
    const userinfo = `${encodeURIComponent(creds.username)}:${encodeURIComponent(creds.password)}`;
    return this.#base.replace("//", `//${userinfo}@`);
  }

  // A reset mid-test must never crash the test process: every socket gets an error handler.
  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => this.#sockets.delete(socket));
  }

  /** The refusal for this request (0: reset it), or undefined to go ahead; refusals are logged. */
  #gate(req: http.IncomingMessage, target: Target | undefined, connect: boolean) {
    const header = req.headers["proxy-authorization"];
    if (header !== undefined) this.proxyAuthorizationHeaders.push(header);
    const auth = this.#opts.auth;
    const authorized =
      !auth ||
      Buffer.from(/^Basic +(\S+)$/i.exec(header ?? "")?.[1] ?? "", "base64").toString() ===
        `${auth.username}:${auth.password}`;
    // Faults first (an overloaded proxy says so to everyone), then policy, then auth: squid's default order.
    let status: number | undefined; // undefined: go ahead
    if (this.fault) status = FAULT_STATUS[this.fault];
    else if (!target) status = 400;
    else if (this.#denied(target, connect)) status = 403;
    else if (!authorized) status = 407;
    if (status !== undefined) this.#record(req, status, authorized);
    return status;
  }

  #denied({ host, port }: Target, connect: boolean): boolean {
    const name = host.toLowerCase();
    const forms = [name, `${net.isIPv6(name) ? `[${name}]` : name}:${port}`];
    if (connect && this.#opts.ports && !this.#opts.ports.includes(port)) return true;
    return (this.#opts.deny ?? []).some((d) => forms.includes(d.toLowerCase()));
  }

  #record(req: http.IncomingMessage, status: number, authorized = true): void {
    const { method = "", url: target = "" } = req;
    this.log.push({ method, target, status, authorized, at: Date.now() });
  }

  async #resolve({ host, port }: Target): Promise<Target> {
    const hosts = Object.entries(this.#opts.hosts ?? {});
    const mapped = hosts.find(([name]) => name.toLowerCase() === host.toLowerCase())?.[1];
    return mapped ?? { host: (await dns.lookup(host)).address, port };
  }

  async #connect(req: http.IncomingMessage, client: net.Socket, head: Buffer): Promise<void> {
    const m = /^(?:\[([0-9a-f:.]+)\]|([^\s:[\]/@]+)):(\d{1,5})$/i.exec(req.url ?? "");
    const port = Number(m?.[3]);
    const target = m && port > 0 && port < 65536 ? { host: (m[1] ?? m[2])!, port } : undefined;
    const refused = this.#gate(req, target, true);
    if (refused !== undefined) return answer(client, refused);
    let upstream: net.Socket;
    try {
      const to = await this.#resolve(target!);
      upstream = net.connect(to.port, to.host);
    } catch {
      return (this.#record(req, 502), answer(client, 502));
    }
    this.#track(upstream);
    upstream.once("error", () => (this.#record(req, 502), answer(client, 502)));
    upstream.once("connect", () => {
      upstream.removeAllListeners("error").on("error", () => {});
      if (client.destroyed) return void upstream.destroy();
      this.#record(req, 200);
      client.write("HTTP/1.1 200 Connection established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      this.#tunnels++;
      let open = true;
      const close = () => {
        if (open) ((open = false), this.#tunnels--);
        client.destroy();
        upstream.destroy();
      };
      client.once("close", close);
      upstream.once("close", close);
      client.pipe(upstream).pipe(client);
    });
  }

  async #forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL | undefined;
    try {
      if (/^http:\/\//i.test(req.url ?? "")) url = new URL(req.url!);
    } catch {}
    const target = url && {
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port || 80),
    };
    const refused = this.#gate(req, target, false);
    if (refused === 0) return void req.socket.resetAndDestroy();
    if (refused !== undefined) return reply(res, refused);
    let to: Target;
    try {
      to = await this.#resolve(target!);
    } catch {
      return (this.#record(req, 502), reply(res, 502));
    }
    const headers = endToEnd(req.headers);
    const path = url!.pathname + url!.search;
    const options = { host: to.host, port: to.port, method: req.method, path, headers };
    const upstream = http.request({ ...options, agent: false }, (up) => {
      this.#record(req, up.statusCode ?? 502);
      res.writeHead(up.statusCode ?? 502, up.statusMessage, endToEnd(up.headers));
      up.pipe(res);
    });
    upstream.on("socket", (socket) => this.#track(socket));
    upstream.on("error", () => {
      if (res.headersSent) return void res.destroy();
      this.#record(req, 502);
      reply(res, 502);
    });
    req.pipe(upstream);
  }
}

/** A small HTML refusal that closes the connection, as squid sends them. */
function refusal(status: number): { head: Record<string, string>; body: string } {
  const body = `<html><body><h1>${status} ${REASONS[status]}</h1></body></html>\n`;
  const head: Record<string, string> = { "Content-Type": "text/html" };
  if (status === 407) head["Proxy-Authenticate"] = `Basic realm="${PROXY_REALM}"`;
  return {
    head: { ...head, "Content-Length": String(Buffer.byteLength(body)), Connection: "close" },
    body,
  };
}

/** A refusal on a raw CONNECT socket, then the connection ends (0: reset, no answer). */
function answer(socket: net.Socket, status: number): void {
  if (status === 0) return void socket.resetAndDestroy();
  const { head, body } = refusal(status);
  const fields = Object.entries(head).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.resume(); // drain what the client still sends, so its own close completes ours
  socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\n${fields.join("")}\r\n${body}`);
}

function reply(res: http.ServerResponse, status: number): void {
  const { head, body } = refusal(status);
  res.writeHead(status, head).end(body);
}

/** The headers without hop-by-hop ones, including those the Connection header names. */
function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = String(headers.connection ?? "")
    .toLowerCase()
    .split(/\s*,\s*/);
  return Object.fromEntries(
    Object.entries(headers).filter(([k]) => !HOP_BY_HOP.test(k) && !named.includes(k)),
  );
}
