// The test proxy behaves like a real one (squid, tinyproxy): each check talks to it with raw bytes,
// so what a client sees on the wire is what is asserted.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { ConnectProxy, PROXY_REALM, type ProxyOptions } from "./connect-proxy.js";
import { makePki, skipWithoutOpenssl } from "./pki.js";
import { tempDir } from "./tmp.js";

interface Reply {
  statusLine: string;
  status: number;
  headers: Record<string, string>;
  /** Bytes after the reply's head that came in the same read. */
  rest: Buffer;
  socket: net.Socket;
}

// Something that never comes (a byte, a close) fails the test instead of hanging the run.
const quick = { timeout: 5000 };
const portOf = (url: string) => Number(new URL(url).port);
const listen = (server: net.Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );

/** Sends raw bytes to the proxy and reads the reply's status line and headers. */
function ask(proxy: ConnectProxy, request: string): Promise<Reply> {
  const socket = net.connect(portOf(proxy.url()), "127.0.0.1");
  socket.write(request);
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData).off("end", onEnd).pause();
      const [statusLine = "", ...lines] = got.subarray(0, end).toString("latin1").split("\r\n");
      const headers = Object.fromEntries(
        lines.map((l) => [
          l.slice(0, l.indexOf(":")).toLowerCase(),
          l.slice(l.indexOf(":") + 1).trim(),
        ]),
      );
      const status = Number(statusLine.split(" ")[1]);
      resolve({ statusLine, status, headers, rest: got.subarray(end + 4), socket });
    };
    const onEnd = () =>
      reject(new Error(`closed with no reply, after ${JSON.stringify(String(got))}`));
    socket.on("data", onData).once("end", onEnd);
    socket.on("error", reject); // stays on: a later reset must not crash the test process
  });
}

const connect = (target: string, headers: Record<string, string> = {}, extra = "") =>
  `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n` +
  Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("") +
  `\r\n${extra}`;

/** Everything the peer still sends, until it closes the connection. */
function readToEnd(socket: net.Socket, rest: Buffer = Buffer.alloc(0)): Promise<string> {
  let text = rest.toString();
  return new Promise((resolve, reject) => {
    socket.on("data", (d: Buffer) => (text += d.toString()));
    socket.once("end", () => resolve(text));
    socket.once("error", reject);
    socket.resume();
  });
}

/** Reads from the tunnel until `want` has come back. */
function readUntil(socket: net.Socket, want: string, rest: Buffer): Promise<string> {
  let text = rest.toString();
  return new Promise((resolve, reject) => {
    const check = () => text.includes(want) && (socket.off("data", onData), resolve(text));
    const onData = (d: Buffer) => ((text += d.toString()), check());
    socket.on("data", onData).once("close", () => reject(new Error(`closed; got ${text}`)));
    socket.resume();
    check();
  });
}

/** A refusal as real proxies send it: the status, a small HTML body of Content-Length bytes, then the close. */
async function assertRefusal(reply: Reply, status: number): Promise<string> {
  assert.equal(reply.status, status, reply.statusLine);
  assert.equal(reply.headers.connection, "close");
  assert.match(reply.headers["content-type"] ?? "", /^text\/html/);
  const body = await readToEnd(reply.socket, reply.rest);
  assert.equal(Buffer.byteLength(body), Number(reply.headers["content-length"]));
  assert.match(body, new RegExp(`<html>.*${status}`));
  return body;
}

/** Sends `request` to the proxy and asserts it is refused with `status` (see assertRefusal). */
const refuses = async (proxy: ConnectProxy, request: string, status: number) =>
  assertRefusal(await ask(proxy, request), status);

const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

async function startProxy(opts: ProxyOptions = {}): Promise<ConnectProxy> {
  const proxy = new ConnectProxy(opts);
  await proxy.start();
  after(() => proxy.stop());
  return proxy;
}

// Upstreams: an echo server (which keeps its open connections at hand) and an http origin that
// answers with the request it saw.
const echoSockets = new Set<net.Socket>();
const echo = net.createServer((s) => {
  echoSockets.add(s.on("error", () => {}).once("close", () => echoSockets.delete(s)));
  s.pipe(s);
});
const seen: http.IncomingMessage[] = [];
const origin = http.createServer((req, res) => {
  seen.push(req);
  res.end(JSON.stringify({ url: req.url, headers: req.headers }));
});
let echoPort = 0;
let originPort = 0;
let closedPort = 0;

before(async () => {
  echoPort = await listen(echo);
  originPort = await listen(origin);
  const server = net.createServer();
  closedPort = await listen(server);
  await new Promise((resolve) => server.close(resolve));
});
after(() => {
  for (const s of echoSockets) s.destroy();
  echo.close();
  origin.closeAllConnections();
  origin.close();
});

describe("ConnectProxy over TLS", { skip: skipWithoutOpenssl }, () => {
  it(
    "tunnels to a name only the proxy can resolve, and TLS is verified end to end through it",
    quick,
    async () => {
      const pki = makePki(tempDir("vco-events-pki-"), { names: ["vco.proxied.test"], days: 10 });
      const options = { key: fs.readFileSync(pki.keyFile), cert: fs.readFileSync(pki.certFile) };
      const server = https.createServer(options, (req, res) =>
        res.end(`hello ${req.headers.host}`),
      );
      const port = await listen(server);
      after(() => (server.closeAllConnections(), server.close()));
      const proxy = await startProxy({
        hosts: { "vco.proxied.test": { host: "127.0.0.1", port } },
      });

      const r = await ask(proxy, connect("vco.proxied.test:443"));
      assert.equal(r.statusLine, "HTTP/1.1 200 Connection established");
      assert.deepEqual(r.headers, {});
      assert.equal(r.rest.length, 0);
      assert.equal(proxy.tunnels, 1);
      const ca = fs.readFileSync(pki.caFile);
      const secure = tls.connect({ socket: r.socket, servername: "vco.proxied.test", ca });
      await new Promise((resolve, reject) =>
        secure.once("secureConnect", resolve).once("error", reject),
      );
      const expires = Date.parse(secure.getPeerCertificate().valid_to);
      assert.ok(Math.abs(expires - Date.now() - 10 * 86_400_000) < 86_400_000, "valid for 10 days");
      secure.write("GET / HTTP/1.1\r\nHost: vco.proxied.test\r\nConnection: close\r\n\r\n");
      assert.match(
        await readToEnd(secure),
        /^HTTP\/1\.1 200 OK[^]*\r\n\r\nhello vco\.proxied\.test$/,
      );
      assert.deepEqual(
        proxy.log.map(({ method, target, status, authorized }) => ({
          method,
          target,
          status,
          authorized,
        })),
        [{ method: "CONNECT", target: "vco.proxied.test:443", status: 200, authorized: true }],
      );
    },
  );
});

describe("ConnectProxy", () => {
  it(
    "writes the bytes that came with the CONNECT upstream, and pipes both ways",
    quick,
    async () => {
      const proxy = await startProxy();
      const r = await ask(proxy, connect(`127.0.0.1:${echoPort}`, {}, "early bytes;"));
      assert.equal(r.status, 200);
      assert.equal(await readUntil(r.socket, "early bytes;", r.rest), "early bytes;");
      r.socket.write("later bytes");
      assert.equal(await readUntil(r.socket, "later bytes", Buffer.alloc(0)), "later bytes");
      r.socket.destroy();
    },
  );

  it(
    "an unresolvable name or a refused upstream is a 502 with a small HTML body, then the close",
    quick,
    async () => {
      const proxy = await startProxy();
      await refuses(proxy, connect("no-such-host.invalid:443"), 502);
      await refuses(proxy, connect(`127.0.0.1:${closedPort}`), 502);
      assert.deepEqual(
        proxy.log.map((e) => e.status),
        [502, 502],
      );
      assert.equal(proxy.tunnels, 0);
    },
  );

  it(
    "wants Basic credentials: none or wrong ones get 407 with Proxy-Authenticate, right ones a tunnel",
    quick,
    async () => {
      const creds = { username: "svc proxy", password: "p@ss:w0rd/%" };
      const proxy = await startProxy({ auth: creds });
      const target = `127.0.0.1:${echoPort}`;
      for (const headers of [{}, { "Proxy-Authorization": basic(creds.username, "p@ss") }]) {
        const r = await ask(proxy, connect(target, headers));
        assert.equal(r.headers["proxy-authenticate"], `Basic realm="${PROXY_REALM}"`);
        await assertRefusal(r, 407);
      }
      // As a client does it: credentials from the proxy URL's userinfo, percent-decoded.
      const url = new URL(proxy.url(creds));
      assert.doesNotMatch(
        `${url.username}:${url.password}`,
        /@|:.*:/,
        "userinfo is percent-encoded",
      );
      const right = basic(decodeURIComponent(url.username), decodeURIComponent(url.password));
      const r = await ask(proxy, connect(target, { "Proxy-Authorization": right }));
      assert.equal(r.status, 200);
      r.socket.destroy();
      assert.deepEqual(proxy.proxyAuthorizationHeaders, [basic("svc proxy", "p@ss"), right]);
      assert.equal(right, basic("svc proxy", "p@ss:w0rd/%"));
      assert.deepEqual(
        proxy.log.map((e) => [e.status, e.authorized]),
        [
          [407, false],
          [407, false],
          [200, true],
        ],
      );
    },
  );

  it(
    "policy: denied hosts and host:ports, and CONNECT ports not allowed, get 403; a bad target 400",
    quick,
    async () => {
      const proxy = await startProxy({
        deny: ["blocked.test", `127.0.0.1:${closedPort}`, "[::1]:443"],
        ports: [443, closedPort, echoPort],
      });
      // Each of these would be a 502 if the policy did not stop it first.
      for (const target of [
        "blocked.test:443",
        `127.0.0.1:${closedPort}`,
        "[::1]:443",
        "127.0.0.1:1",
      ])
        await refuses(proxy, connect(target), 403);
      await refuses(proxy, "GET http://blocked.test/ HTTP/1.1\r\nHost: blocked.test\r\n\r\n", 403);
      await refuses(proxy, connect("no-port.test"), 400);
      const r = await ask(proxy, connect(`127.0.0.1:${echoPort}`));
      assert.equal(r.status, 200, "a host:port entry denies that port only");
      r.socket.destroy();
    },
  );

  it(
    "faults: 503, 502, or a reset with no answer, for every request until switched off",
    quick,
    async () => {
      const proxy = await startProxy();
      const target = `127.0.0.1:${echoPort}`;
      proxy.fault = "refuse503";
      await refuses(proxy, connect(target), 503);
      await refuses(proxy, `GET http://${target}/ HTTP/1.1\r\nHost: ${target}\r\n\r\n`, 503);
      proxy.fault = "badGateway";
      await refuses(proxy, connect(target), 502);
      proxy.fault = "reset";
      await assert.rejects(ask(proxy, connect(target)), /ECONNRESET|closed with no reply/);
      proxy.fault = undefined;
      const r = await ask(proxy, connect(target));
      assert.equal(r.status, 200);
      r.socket.destroy();
      assert.deepEqual(
        proxy.log.map((e) => e.status),
        [503, 503, 502, 0, 200],
      );
    },
  );

  it(
    "plain http: absolute-form requests are forwarded without Proxy-Authorization or hop-by-hop headers",
    quick,
    async () => {
      const creds = { username: "u", password: "p" };
      const proxy = await startProxy({
        auth: creds,
        hosts: { "origin.proxied.test": { host: "127.0.0.1", port: originPort } },
      });
      const request = (target: string, headers: string) =>
        ask(
          proxy,
          `GET ${target} HTTP/1.1\r\nHost: origin.proxied.test\r\n${headers}Connection: close, X-Hop\r\n\r\n`,
        );
      const r = await request(
        "http://origin.proxied.test/events?since=1",
        `Proxy-Authorization: ${basic("u", "p")}\r\nProxy-Connection: keep-alive\r\n` +
          "Keep-Alive: timeout=5\r\nX-Hop: drop me\r\nX-Trace: keep me\r\n",
      );
      assert.equal(r.status, 200, r.statusLine);
      const body = JSON.parse(await readToEnd(r.socket, r.rest)) as {
        url: string;
        headers: Record<string, string>;
      };
      assert.equal(body.url, "/events?since=1");
      assert.equal(body.headers.host, "origin.proxied.test");
      assert.equal(body.headers["x-trace"], "keep me");
      for (const h of ["proxy-authorization", "proxy-connection", "keep-alive", "x-hop"])
        assert.equal(body.headers[h], undefined, `${h} reached the origin`);
      const origins = seen.length;
      await assertRefusal(await request("http://origin.proxied.test/", ""), 407);
      await assertRefusal(
        await request("/events", `Proxy-Authorization: ${basic("u", "p")}\r\n`),
        400,
      );
      assert.equal(seen.length, origins, "refused requests never reach the origin");
    },
  );

  it("stop() ends the open tunnels, on both sides", quick, async () => {
    const proxy = await startProxy();
    const r = await ask(proxy, connect(`127.0.0.1:${echoPort}`));
    r.socket.write("ping");
    await readUntil(r.socket, "ping", r.rest);
    assert.equal(proxy.tunnels, 1);
    const upstream = [...echoSockets].at(-1)!;
    const closed = (s: net.Socket) => new Promise((resolve) => s.once("close", resolve));
    await Promise.all([proxy.stop(), closed(r.socket), closed(upstream)]);
    assert.equal(proxy.tunnels, 0);
  });
});
