import * as z from "zod";
import { ConfigError } from "../../errors.js";
import { isLoopback } from "../../net/loopback.js";
import { FACILITIES, type Facility } from "./rfc5424.js";

export interface SyslogSettings {
  protocol: "tcp" | "tls";
  host: string;
  port: number;
  /** How logs and the cursor file name this sink: "syslog tls://siem:6514". */
  name: string;
  caFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
  facility: number;
  format: "json" | "cef";
  /** Plain TCP toward a host that is not loopback: allowed, with a warning on each run. */
  plainRemote: boolean;
}

const empty = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);

const schema = z.object({
  VCO_SYSLOG: z.string().optional().transform(empty),
  VCO_SYSLOG_CA_FILE: z.string().optional().transform(empty),
  VCO_SYSLOG_CERT_FILE: z.string().optional().transform(empty),
  VCO_SYSLOG_KEY_FILE: z.string().optional().transform(empty),
  VCO_SYSLOG_FACILITY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const f = (empty(v) ?? "local0").toLowerCase();
      if (!(f in FACILITIES)) {
        ctx.addIssue({
          code: "custom",
          message: `VCO_SYSLOG_FACILITY must be one of ${Object.keys(FACILITIES).join(", ")}`,
        });
        return z.NEVER;
      }
      return FACILITIES[f as Facility];
    }),
  VCO_SYSLOG_FORMAT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const f = (empty(v) ?? "json").toLowerCase();
      if (f !== "json" && f !== "cef") {
        ctx.addIssue({ code: "custom", message: "VCO_SYSLOG_FORMAT must be json or cef" });
        return z.NEVER;
      }
      return f;
    }),
});

/** The syslog sink's settings, or undefined when VCO_SYSLOG is not set. Throws ConfigError. */
export function syslogSettingsFrom(env: NodeJS.ProcessEnv): SyslogSettings | undefined {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `configuration: ${parsed.error.issues.map((i) => i.message).join("; ")} (see .env.example)`,
    );
  }
  const e = parsed.data;
  if (!e.VCO_SYSLOG) return undefined;
  const { protocol, host, port } = parseSyslogUrl(e.VCO_SYSLOG);
  if (Boolean(e.VCO_SYSLOG_CERT_FILE) !== Boolean(e.VCO_SYSLOG_KEY_FILE)) {
    throw new ConfigError(
      "configuration: VCO_SYSLOG_CERT_FILE and VCO_SYSLOG_KEY_FILE go together (mutual TLS): set both or neither",
    );
  }
  if (protocol === "tcp" && (e.VCO_SYSLOG_CA_FILE || e.VCO_SYSLOG_CERT_FILE)) {
    throw new ConfigError(
      "configuration: VCO_SYSLOG_CA_FILE, _CERT_FILE and _KEY_FILE need a tls:// VCO_SYSLOG",
    );
  }
  const display = host.includes(":") ? `[${host}]` : host;
  return {
    protocol,
    host,
    port,
    name: `syslog ${protocol}://${display}:${port}`,
    caFile: e.VCO_SYSLOG_CA_FILE,
    certFile: e.VCO_SYSLOG_CERT_FILE,
    keyFile: e.VCO_SYSLOG_KEY_FILE,
    facility: e.VCO_SYSLOG_FACILITY,
    format: e.VCO_SYSLOG_FORMAT as "json" | "cef",
    plainRemote: protocol === "tcp" && !isLoopback(host),
  };
}

function parseSyslogUrl(raw: string): { protocol: "tcp" | "tls"; host: string; port: number } {
  const bad = (why: string) =>
    new ConfigError(
      `configuration: VCO_SYSLOG "${raw}" ${why}: use tls://siem.example.com:6514 or tcp://host:514`,
    );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad("is not a URL");
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol === "udp") throw bad("uses UDP, which loses events without a word");
  if (protocol !== "tcp" && protocol !== "tls") throw bad(`uses ${url.protocol}//`);
  if (url.username || url.password || (url.pathname && url.pathname !== "/") || url.search)
    throw bad("has more than a host and a port");
  if (!url.hostname) throw bad("has no host");
  if (!url.port) throw bad("has no port");
  return { protocol, host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port) };
}
