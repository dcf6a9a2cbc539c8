import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import axios, { type AxiosInstance } from "axios";
import { ConfigError } from "../../errors.js";
import type { HecSettings } from "./settings.js";

/**
 * The axios instance a HEC target posts with. It holds no token: the Authorization header is added
 * per request and stripped from every error before the error leaves the target (see target.ts).
 */
export function createHecHttp(
  s: HecSettings,
  timeoutMs: number,
): { http: AxiosInstance; close: () => void } {
  let ca: string | undefined;
  if (s.caFile) {
    try {
      ca = fs.readFileSync(s.caFile, "utf8");
    } catch (e) {
      throw new ConfigError(
        `VCO_HEC_CA_FILE ${s.caFile} cannot be read (${(e as NodeJS.ErrnoException).code}): ` +
          "point it at a PEM file with the CA that signed the collector's certificate",
      );
    }
  }
  const agent = { keepAlive: true, maxSockets: 2 };
  const httpAgent = new http.Agent(agent);
  const httpsAgent = new https.Agent({
    ...agent,
    // Added to Node's bundle (and NODE_EXTRA_CA_CERTS), as for the VCO (vco/http.ts).
    ...(ca ? { ca: [...tls.rootCertificates, ...extraCa(), ca] } : {}),
    rejectUnauthorized: !s.tlsInsecure,
  });
  const instance = axios.create({
    baseURL: s.url,
    timeout: timeoutMs,
    maxRedirects: 0,
    // Every status is sorted by answers.ts, by Splunk's documented codes.
    validateStatus: () => true,
    // The body is already HEC's concatenated JSON: axios would JSON-encode it again as a string.
    transformRequest: [(data: unknown) => data],
    responseType: "text",
    transformResponse: [(data: unknown) => data],
    headers: { "Content-Type": "application/json" },
    // Plain http is loopback only, and a proxy would need its own review for a bearer of events.
    proxy: false,
    httpAgent,
    httpsAgent,
  });
  return {
    http: instance,
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function extraCa(): string[] {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  return extra && fs.existsSync(extra) ? [fs.readFileSync(extra, "utf8")] : [];
}
