// The `network` step: can this machine reach the orchestrator at all? Asked one layer at a time
// (name, then TCP, then the proxy's tunnel) so the line names the layer that broke, which the
// HTTP client's single "connection failed" cannot.
import dns from "node:dns";
import net from "node:net";
import type { Config } from "../config.js";
import { GaveUpError, HostNotFoundError, ProxyError } from "../errors.js";
import type { ProxyTarget } from "../net/proxy-env.js";
import { openTunnel } from "../net/tunnel.js";
import { explainProxyError } from "./explain.js";
import { fail, pass, type Outcome } from "./report.js";

// Each probe gets a few seconds: together they stay well inside the check's 15 s.
const DNS_TIMEOUT_MS = 3_000;
const TCP_TIMEOUT_MS = 3_000;
const TUNNEL_TIMEOUT_MS = 4_000;

export interface Endpoint {
  host: string;
  port: number;
  https: boolean;
}

export function endpointOf(baseUrl: string): Endpoint {
  const url = new URL(baseUrl);
  const https = url.protocol === "https:";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return { host, port: Number(url.port || (https ? 443 : 80)), https };
}

export interface NetworkResult {
  outcome: Outcome;
  /** The open connection (direct, or a tunnel through the proxy), for the TLS step to use. */
  socket?: net.Socket;
}

const BEHIND_PROXY = "behind a proxy set HTTPS_PROXY or VCO_PROXY";

export async function checkNetwork(config: Config): Promise<NetworkResult> {
  const to = endpointOf(config.baseUrl);
  return config.proxy ? viaProxy(config.proxy, to) : direct(to);
}

async function direct(to: Endpoint): Promise<NetworkResult> {
  const started = Date.now();
  let address = to.host;
  if (!net.isIP(to.host)) {
    try {
      address = (await withTimeout(dns.promises.lookup(to.host), DNS_TIMEOUT_MS)).address;
    } catch (e) {
      return { outcome: dnsFailure(to.host, codeOf(e)) };
    }
  }
  let socket: net.Socket;
  try {
    socket = await connect(address, to.port);
  } catch (e) {
    const code = codeOf(e);
    const where = `${to.host}:${to.port}${address === to.host ? "" : ` (${address})`}`;
    const err = new GaveUpError(
      code === "ETIMEDOUT"
        ? `no answer from ${where} within ${TCP_TIMEOUT_MS / 1000} s (a firewall may drop the traffic)`
        : code === "ECONNREFUSED"
          ? `nothing accepts connections on ${where} (ECONNREFUSED)`
          : `cannot connect to ${where} (${code})`,
    );
    const fix =
      code === "ECONNREFUSED"
        ? `check the port in VCO_HOSTNAME and that the orchestrator is up; ${BEHIND_PROXY}`
        : `ask for this machine to be allowed to reach it on port ${to.port}, or ${BEHIND_PROXY}`;
    return { outcome: fail(err, err.message, fix) };
  }
  const ms = Date.now() - started;
  const what =
    address === to.host
      ? `${to.host}:${to.port} accepts connections`
      : `${to.host} resolves to ${address}; port ${to.port} accepts connections`;
  return { outcome: pass(`${what} (${ms} ms, no proxy)`), socket };
}

function dnsFailure(host: string, code: string): Outcome {
  if (code === "ENOTFOUND") {
    const err = new HostNotFoundError(`${host} does not resolve (ENOTFOUND)`);
    return fail(err, err.message, `check VCO_HOSTNAME; ${BEHIND_PROXY}`);
  }
  // No answer is not "no such name": the DNS server, not the setting, may be what is wrong.
  const err = new GaveUpError(
    code === "ETIMEDOUT"
      ? `no DNS answer for ${host} within ${DNS_TIMEOUT_MS / 1000} s`
      : `${host} could not be resolved (${code})`,
  );
  return fail(err, err.message, `check this machine's DNS settings; ${BEHIND_PROXY}`);
}

async function viaProxy(proxy: ProxyTarget, to: Endpoint): Promise<NetworkResult> {
  const started = Date.now();
  const name = `proxy ${proxy.display} (from ${proxy.source})`;
  let address = proxy.host;
  try {
    if (!net.isIP(proxy.host)) {
      address = (await withTimeout(dns.promises.lookup(proxy.host), DNS_TIMEOUT_MS)).address;
    }
  } catch (e) {
    const err = new HostNotFoundError(`the host of ${name} does not resolve (${codeOf(e)})`);
    return { outcome: fail(err, err.message, `check the proxy's host name in ${proxy.source}`) };
  }
  try {
    (await connect(address, proxy.port)).destroy();
  } catch (e) {
    const code = codeOf(e);
    const err = new ProxyError(undefined, `${name} does not accept connections (${code})`, code);
    return {
      outcome: fail(err, err.message, `check the port in ${proxy.source} and that the proxy runs`),
    };
  }
  let socket: net.Socket;
  try {
    socket = await openTunnel(proxy, to.host, to.port, TUNNEL_TIMEOUT_MS);
  } catch (e) {
    if (e instanceof ProxyError) return { outcome: explainProxyError(e) };
    throw e;
  }
  // A reset before the TLS step takes the socket over must not crash the process.
  socket.on("error", () => {});
  const ms = Date.now() - started;
  return {
    outcome: pass(`through ${name}: it opened a tunnel to ${to.host}:${to.port} (${ms} ms)`),
    socket,
  };
}

/** A TCP connection, or the socket error's code (ETIMEDOUT when nothing answers in time). */
function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const onError = (e: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    const timer = setTimeout(() => onError(timeoutError()), TCP_TIMEOUT_MS);
    socket.once("error", onError).once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError).on("error", () => {});
      resolve(socket);
    });
  });
}

/** `p`, or an ETIMEDOUT error after `ms`; the timer never outlives the race. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const timeoutError = () => Object.assign(new Error("timed out"), { code: "ETIMEDOUT" });
export const codeOf = (e: unknown): string =>
  (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e);
