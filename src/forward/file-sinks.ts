// Sinks set in the configuration file (VCO_CONFIG): a top-level `sinks:` for every orchestrator and
// one per orchestrator. Each block is turned into the VCO_SYSLOG* / VCO_HEC_* variables the
// environment uses and checked by the same functions (syslogSink, hecSink), so there is one
// implementation of the checks; their messages are rewritten to name the key's path in the file.
import * as z from "zod";
import { ConfigError } from "../errors.js";
import { hecSink } from "./hec/sink.js";
import { syslogSink } from "./syslog/sink.js";
import type { Sink } from "./targets.js";

const value = z.union([z.string(), z.number(), z.boolean()], {
  error: "must be a string, a number or true/false",
});

/** The keys of each block, and the variable each one stands for. */
const SYSLOG_KEYS = {
  url: "VCO_SYSLOG",
  caFile: "VCO_SYSLOG_CA_FILE",
  certFile: "VCO_SYSLOG_CERT_FILE",
  keyFile: "VCO_SYSLOG_KEY_FILE",
  facility: "VCO_SYSLOG_FACILITY",
  format: "VCO_SYSLOG_FORMAT",
} as const;
const HEC_KEYS = {
  url: "VCO_HEC_URL",
  token: "VCO_HEC_TOKEN",
  index: "VCO_HEC_INDEX",
  sourcetype: "VCO_HEC_SOURCETYPE",
  ack: "VCO_HEC_ACK",
  caFile: "VCO_HEC_CA_FILE",
  tlsInsecure: "VCO_HEC_TLS_INSECURE",
} as const;

const block = (keys: Record<string, string>, required: string) =>
  z
    .strictObject(Object.fromEntries(Object.keys(keys).map((k) => [k, value.optional()])), {
      error: `must hold ${Object.keys(keys).join(", ")}`,
    })
    .refine((b) => b[required] !== undefined, { message: "is required", path: [required] });

export const sinksSchema = z.strictObject(
  { syslog: block(SYSLOG_KEYS, "url").optional(), hec: block(HEC_KEYS, "url").optional() },
  { error: "must hold syslog and/or hec" },
);
export type FileSinks = z.infer<typeof sinksSchema>;

function asEnv(b: Record<string, unknown>, keys: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, name] of Object.entries(keys)) if (b[k] !== undefined) env[name] = String(b[k]);
  return env;
}

/** A settings message with each variable replaced by its key's path ("sinks.hec.url"). */
function rewrite(message: string, keys: Record<string, string>, at: string): string {
  let m = message.replace(/^configuration: /, "").replace(/ \((set these|see) [^)]*\)$/, "");
  // Longest names first, so VCO_SYSLOG does not eat VCO_SYSLOG_FORMAT.
  const names = Object.entries(keys).sort((a, b) => b[1].length - a[1].length);
  for (const [k, name] of names) m = m.replace(new RegExp(`\\b${name}\\b`, "g"), `${at}.${k}`);
  return m.replace(
    /\b(_CERT_FILE|_KEY_FILE)\b/g,
    (s) => `${at}.${s === "_CERT_FILE" ? "certFile" : "keyFile"}`,
  );
}

/**
 * The sinks one `sinks:` block configures, with `at` its path in the file ("orchestrators[1].sinks").
 * Problems go into `problems` (one per sink), never with a token's value.
 */
export function sinksFromFile(s: FileSinks | undefined, at: string, problems: string[]): Sink[] {
  const out: Sink[] = [];
  const make = (
    b: Record<string, unknown> | undefined,
    keys: Record<string, string>,
    open: (env: NodeJS.ProcessEnv) => Sink | undefined,
    where: string,
  ) => {
    if (!b) return;
    try {
      const sink = open(asEnv(b, keys));
      if (sink) out.push(sink);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(rewrite(err.message, keys, where));
    }
  };
  make(s?.syslog, SYSLOG_KEYS, syslogSink, `${at}.syslog`);
  make(s?.hec, HEC_KEYS, hecSink, `${at}.hec`);
  return out;
}

/**
 * An orchestrator's effective sinks: the environment's, the file's global ones, then its own. The
 * same sink twice (same name, so the same cursor) is an error: delivering through one cursor with two
 * sets of settings would be ambiguous, and twice would double every event.
 */
export function effectiveSinks(
  layers: Array<{ from: string; sinks: Sink[] }>,
  at: string,
  problems: string[],
): Sink[] {
  const seen = new Map<string, string>();
  const out: Sink[] = [];
  for (const layer of layers) {
    for (const sink of layer.sinks) {
      const first = seen.get(sink.name);
      if (first !== undefined) {
        problems.push(
          `${at}: ${sink.name} is configured both in ${first} and in ${layer.from}: keep one`,
        );
        continue;
      }
      seen.set(sink.name, layer.from);
      out.push(sink);
    }
  }
  return out;
}
