import * as z from "zod";
import { ConfigError } from "../../errors.js";
import { flag } from "../../config.js";
import { isLoopback } from "../../net/loopback.js";

/** Where and how to deliver to a Splunk HTTP Event Collector (VCO_HEC_*). */
export interface HecSettings {
  /** Scheme, host and port only, e.g. https://splunk.example.com:8088. */
  url: string;
  /** The HEC token: a secret, sent only in the Authorization header. */
  token: string;
  index: string | undefined;
  sourcetype: string | undefined;
  /** Wait for indexer acknowledgement (the token must have it on in Splunk). */
  ack: boolean;
  caFile: string | undefined;
  tlsInsecure: boolean;
}

const empty = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);

/** Splunk's index and sourcetype names: printable, no spaces (a quote would end up in a search). */
const name = (variable: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = empty(v);
      if (s !== undefined && !/^[\x21-\x7e]{1,1024}$/.test(s)) {
        ctx.addIssue({
          code: "custom",
          message: `${variable} must be one word of printable characters, e.g. vco or velocloud:event`,
        });
        return z.NEVER;
      }
      return s;
    });

const schema = z.object({
  VCO_HEC_URL: z.string().transform((v, ctx) => {
    try {
      return parseHecUrl(v);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
      return z.NEVER;
    }
  }),
  // Never echoed back in a message: only whether it is there and well formed.
  VCO_HEC_TOKEN: z
    .string({ error: "VCO_HEC_TOKEN is not set: give the HEC token Splunk made for this input" })
    .transform((v, ctx) => {
      const s = v.trim();
      if (s === "") {
        ctx.addIssue({
          code: "custom",
          message: "VCO_HEC_TOKEN is empty: give the HEC token Splunk made for this input",
        });
        return z.NEVER;
      }
      // It goes into an HTTP header as is: a space or a line break would split or forge headers.
      if (!/^[\x21-\x7e]+$/.test(s)) {
        ctx.addIssue({
          code: "custom",
          message:
            "VCO_HEC_TOKEN has spaces or characters that cannot go into a header; copy the token " +
            "alone (a GUID like 12345678-abcd-...), without the word Splunk",
        });
        return z.NEVER;
      }
      return s;
    }),
  VCO_HEC_INDEX: name("VCO_HEC_INDEX"),
  VCO_HEC_SOURCETYPE: name("VCO_HEC_SOURCETYPE"),
  VCO_HEC_ACK: flag("VCO_HEC_ACK"),
  VCO_HEC_CA_FILE: z.string().optional().transform(empty),
  VCO_HEC_TLS_INSECURE: flag("VCO_HEC_TLS_INSECURE"),
});

/**
 * The HEC settings, or undefined when VCO_HEC_URL is not set (no HEC sink). Every problem is named
 * in one ConfigError, never with the token's value.
 */
export function hecSettingsFrom(env: NodeJS.ProcessEnv): HecSettings | undefined {
  if (!env.VCO_HEC_URL?.trim()) {
    if (env.VCO_HEC_TOKEN?.trim()) {
      throw new ConfigError(
        "configuration: VCO_HEC_TOKEN is set but VCO_HEC_URL is not: give the collector's URL, " +
          "e.g. https://splunk.example.com:8088 (or unset VCO_HEC_TOKEN)",
      );
    }
    return undefined;
  }
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => i.message);
    throw new ConfigError(
      `configuration: ${problems.join("; ")} (set these in the environment or in .env; see docs/splunk-hec.md)`,
    );
  }
  const e = parsed.data;
  return {
    url: e.VCO_HEC_URL,
    token: e.VCO_HEC_TOKEN,
    index: e.VCO_HEC_INDEX,
    sourcetype: e.VCO_HEC_SOURCETYPE,
    ack: e.VCO_HEC_ACK,
    caFile: e.VCO_HEC_CA_FILE,
    tlsInsecure: e.VCO_HEC_TLS_INSECURE,
  };
}

/**
 * "https://splunk:8088" (a trailing slash, or the /services/collector path people copy from Splunk's
 * docs, is accepted and dropped). No scheme means https; plain http only toward loopback, since the
 * token would cross the network in clear.
 */
export function parseHecUrl(raw: string): string {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`VCO_HEC_URL "${text}" is not a URL, e.g. https://splunk.example.com:8088`);
  }
  if (url.username || url.password) {
    throw new Error("VCO_HEC_URL must not contain credentials: the token goes in VCO_HEC_TOKEN");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new Error(`VCO_HEC_URL uses ${url.protocol}// but only https:// is supported`);
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new Error(
      `VCO_HEC_URL uses http:// for ${url.hostname}: plain HTTP would send the HEC token in clear, ` +
        "so it is only allowed for loopback; use https:// (Splunk's HEC default on port 8088)",
    );
  }
  const p = url.pathname.replace(/\/+$/, "").replace(/\/services\/collector(\/event)?$/, "");
  if (p !== "" || url.search || url.hash) {
    throw new Error(
      `VCO_HEC_URL "${text}" has a path; give just the scheme, host and port, e.g. ${url.protocol}//${url.host}`,
    );
  }
  return `${url.protocol}//${url.host}`;
}
