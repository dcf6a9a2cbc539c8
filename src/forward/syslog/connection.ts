import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { ConfigError, DeliveryError, TlsError } from "../../errors.js";
import type { SyslogSettings } from "./settings.js";

/** Certificate failures: waiting will not fix them, so they are not DeliveryErrors. */
const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ERR_TLS_CERT|ERR_SSL/;

export interface TlsFiles {
  ca: string[] | undefined;
  cert: Buffer | undefined;
  key: Buffer | undefined;
}

/** Read the CA and client certificate once, so a missing file is one clear line at start. */
export function readTlsFiles(s: SyslogSettings): TlsFiles {
  const read = (file: string | undefined, variable: string) => {
    if (!file) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new ConfigError(
        `configuration: ${variable} ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}): give the path of a PEM file`,
      );
    }
  };
  const ca = read(s.caFile, "VCO_SYSLOG_CA_FILE");
  return {
    // Added to Node's CAs, as VCO_CA_FILE is: a public CA keeps working.
    ca: ca ? [...tls.rootCertificates, ca.toString("utf8")] : undefined,
    cert: read(s.certFile, "VCO_SYSLOG_CERT_FILE"),
    key: read(s.keyFile, "VCO_SYSLOG_KEY_FILE"),
  };
}

/** A connected (and, for tls://, verified) socket, or a DeliveryError/TlsError saying why not. */
export function connect(
  s: SyslogSettings,
  files: TlsFiles,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      s.protocol === "tls"
        ? tls.connect({
            host: s.host,
            port: s.port,
            servername: net.isIP(s.host) ? undefined : s.host,
            ...(files.ca ? { ca: files.ca } : {}),
            ...(files.cert ? { cert: files.cert } : {}),
            ...(files.key ? { key: files.key } : {}),
          })
        : net.connect({ host: s.host, port: s.port });
    const timer = setTimeout(
      () => fail(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })),
      timeoutMs,
    );
    const onAbort = () => fail(Object.assign(new Error("stopped"), { code: "ABORTED" }));
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", fail);
    };
    function fail(err: Error) {
      done();
      socket.destroy();
      reject(connectError(s, err));
    }
    socket.once("error", fail);
    socket.once(s.protocol === "tls" ? "secureConnect" : "connect", () => {
      done();
      resolve(socket);
    });
  });
}

function connectError(s: SyslogSettings, err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const where = `${s.protocol}://${s.host}:${s.port}`;
  if (s.protocol === "tls" && (CERT_CODES.test(code) || /certificate/i.test(err.message))) {
    return new TlsError(
      `the syslog receiver ${where} failed TLS verification (${code || err.message}): ` +
        "give its CA in VCO_SYSLOG_CA_FILE, or fix its certificate's name or dates",
    );
  }
  return new DeliveryError(
    `the syslog receiver ${where} cannot be reached (${code || err.message}); ` +
      "its events wait in the files and go out on a later run",
    code || undefined,
  );
}
