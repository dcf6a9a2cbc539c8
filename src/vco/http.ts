import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import axios, { type AxiosInstance } from "axios";
import { ConfigError } from "../errors.js";
import type { ProxyTarget } from "../net/proxy-env.js";
import { TunnelAgent } from "../net/tunnel.js";

export interface HttpOptions {
  baseUrl: string;
  timeoutMs: number;
  caFile?: string | undefined;
  tlsInsecure?: boolean;
  maxSockets?: number;
  /** An HTTP proxy to tunnel https through (see net/proxy-env.ts); undefined connects directly. */
  proxy?: ProxyTarget | undefined;
}

/**
 * The axios instance the VCO client is given. Replies come back raw, so that a reply cut off
 * halfway is seen as a broken reply (and retried), not as a parse error deep inside axios.
 */
export function createHttp(opts: HttpOptions): AxiosInstance {
  let ca: Buffer | undefined;
  if (opts.caFile) {
    try {
      ca = fs.readFileSync(opts.caFile);
    } catch (e) {
      throw new ConfigError(
        `VCO_CA_FILE ${opts.caFile} cannot be read (${(e as NodeJS.ErrnoException).code}): ` +
          "point it at a PEM file with the CA that signed the orchestrator's certificate",
      );
    }
  }
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 8 };
  const tlsOptions: https.AgentOptions = {
    ...agentOptions,
    // Extra CAs are added to Node's bundle, so NODE_EXTRA_CA_CERTS keeps working alongside.
    ...(ca ? { ca: [...tlsRootCertificates(), ca.toString("utf8")] } : {}),
    rejectUnauthorized: !opts.tlsInsecure,
  };
  return axios.create({
    baseURL: opts.baseUrl,
    timeout: opts.timeoutMs,
    maxRedirects: 0,
    // A proxy in front of the VCO may answer anything; the client classifies every status itself.
    validateStatus: () => true,
    // A stream: the client reads every body itself, event replies into reused memory (see
    // client.ts readBody); they are scanned and written as bytes (see event-scan.ts).
    responseType: "stream",
    transformResponse: [(data: unknown) => data],
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    // axios's own proxy support would ignore NO_PROXY rules of ours and cannot tunnel: the agent
    // below does it (and plain http is only ever loopback, which never goes through a proxy).
    proxy: false,
    httpAgent: new http.Agent(agentOptions),
    httpsAgent: opts.proxy
      ? new TunnelAgent(opts.proxy, opts.timeoutMs, tlsOptions)
      : new https.Agent(tlsOptions),
  });
}

/** Node's bundle plus NODE_EXTRA_CA_CERTS: passing `ca` replaces both, so add them back. */
function tlsRootCertificates(): string[] {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const extraPem = extra && fs.existsSync(extra) ? [fs.readFileSync(extra, "utf8")] : [];
  return [...tls.rootCertificates, ...extraPem];
}
