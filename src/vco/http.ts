import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import axios, { type AxiosInstance } from "axios";
import { ConfigError } from "../errors.js";

export interface HttpOptions {
  baseUrl: string;
  timeoutMs: number;
  caFile?: string | undefined;
  tlsInsecure?: boolean;
  maxSockets?: number;
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
    proxy: false,
    httpAgent: new http.Agent(agentOptions),
    httpsAgent: new https.Agent({
      ...agentOptions,
      // Extra CAs are added to Node's bundle, so NODE_EXTRA_CA_CERTS keeps working alongside.
      ...(ca ? { ca: [...tlsRootCertificates(), ca.toString("utf8")] } : {}),
      rejectUnauthorized: !opts.tlsInsecure,
    }),
  });
}

/** Node's bundle plus NODE_EXTRA_CA_CERTS: passing `ca` replaces both, so add them back. */
function tlsRootCertificates(): string[] {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const extraPem = extra && fs.existsSync(extra) ? [fs.readFileSync(extra, "utf8")] : [];
  return [...tls.rootCertificates, ...extraPem];
}
