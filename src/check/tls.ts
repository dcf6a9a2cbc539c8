// The `tls` step: one handshake with the orchestrator, on the connection the network step opened
// (so through the proxy's tunnel when there is one), trusting what the HTTP client trusts.
import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import type { Config } from "../config.js";
import { GaveUpError, TlsError } from "../errors.js";
import type { Endpoint } from "./network.js";
import { fail, pass, warn, type Outcome } from "./report.js";

const HANDSHAKE_TIMEOUT_MS = 4_000;
const EXPIRY_WARN_DAYS = 30;
const DAY = 86_400_000;

const UNTRUSTED =
  /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;

/** The CAs the HTTP client trusts (see vco/http.ts): Node's own, NODE_EXTRA_CA_CERTS, VCO_CA_FILE. */
function trustedCas(caFile: string | undefined): string[] | undefined {
  if (!caFile) return undefined; // Node's defaults already include NODE_EXTRA_CA_CERTS
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const extraPem = extra && fs.existsSync(extra) ? [fs.readFileSync(extra, "utf8")] : [];
  return [...tls.rootCertificates, ...extraPem, fs.readFileSync(caFile, "utf8")];
}

export async function checkTls(
  config: Config,
  to: Endpoint,
  socket: net.Socket,
  now: number,
): Promise<Outcome> {
  if (!to.https) {
    socket.destroy();
    return pass("not used: plain http:// on loopback (a local simulator); orchestrators use https");
  }
  let secure: tls.TLSSocket;
  try {
    secure = await handshake(to, socket, trustedCas(config.caFile));
  } catch (e) {
    socket.destroy();
    return handshakeFailure(to, e as NodeJS.ErrnoException);
  }
  const cert = secure.getPeerCertificate();
  secure.destroy();
  const issuer = [cert.issuer?.CN].flat()[0] ?? [cert.issuer?.O].flat()[0] ?? "an unnamed CA";
  const expires = Date.parse(cert.valid_to);
  const date = Number.isNaN(expires) ? cert.valid_to : new Date(expires).toISOString().slice(0, 10);
  const days = Math.floor((expires - now) / DAY);
  const about = `certificate issued by ${issuer}, valid until ${date}`;

  if (!secure.authorized) {
    const problem = verifyFailure(to, String(secure.authorizationError), cert, date, config);
    if (!config.tlsInsecure) return problem;
    return warn(
      `VCO_TLS_INSECURE is set, so the ${about} is not checked; it would fail: ${problem.detail}`,
      `${problem.fix}, then remove VCO_TLS_INSECURE (anyone in between can read the credentials)`,
    );
  }
  if (config.tlsInsecure) {
    return warn(
      `${about} verifies, but VCO_TLS_INSECURE is set, so runs do not check it`,
      "remove VCO_TLS_INSECURE: it is not needed here",
    );
  }
  if (days < EXPIRY_WARN_DAYS) {
    return warn(
      `${about}: it expires in ${days} day${days === 1 ? "" : "s"}`,
      `the orchestrator's operator must renew it before ${date}, or every run fails after that`,
    );
  }
  return pass(`${about} (${days} days left), trusted for ${to.host}`);
}

/**
 * Verification is decided here, not by rejectUnauthorized, so that a certificate that fails can
 * still be described (its issuer, its names, its dates). Nothing is sent over this connection.
 */
function handshake(to: Endpoint, socket: net.Socket, ca: string[] | undefined) {
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    const secure = tls.connect({
      socket,
      host: to.host,
      // SNI takes names only; for an IP the certificate is still checked against `host`.
      ...(net.isIP(to.host) ? {} : { servername: to.host }),
      ...(ca ? { ca } : {}),
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" }));
    }, HANDSHAKE_TIMEOUT_MS);
    secure.once("secureConnect", () => {
      clearTimeout(timer);
      secure.on("error", () => {});
      resolve(secure);
    });
    secure.once("error", (e) => {
      clearTimeout(timer);
      secure.destroy();
      reject(e);
    });
  });
}

function verifyFailure(
  to: Endpoint,
  code: string,
  cert: tls.PeerCertificate,
  date: string,
  config: Config,
): Outcome {
  const issuer = [cert.issuer?.CN].flat()[0] ?? "an unnamed CA";
  let detail: string;
  let fix: string;
  if (UNTRUSTED.test(code)) {
    detail = `the certificate (issued by ${issuer}) is not signed by a trusted CA (${code})`;
    fix = config.caFile
      ? `VCO_CA_FILE ${config.caFile} is not the CA that signed it: point it at the PEM file of ${issuer}`
      : `set VCO_CA_FILE (or NODE_EXTRA_CA_CERTS) to the PEM file of the CA that signed it (${issuer})`;
  } else if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    const names = (cert.subjectaltname ?? "")
      .split(/,\s*/)
      .map((n) => n.replace(/^(DNS|IP Address):/, ""))
      .filter(Boolean);
    detail = `the certificate is for ${names.join(", ") || "other names"}, not ${to.host} (${code})`;
    const port = to.port === 443 ? "" : `:${to.port}`;
    fix = names[0]
      ? `use the name on the certificate: VCO_HOSTNAME=https://${names[0]}${port}`
      : "use the host name on the certificate in VCO_HOSTNAME";
  } else if (code === "CERT_HAS_EXPIRED") {
    detail = `the certificate expired on ${date} (${code})`;
    fix =
      "the orchestrator's operator must renew it (if it is not expired, check this machine's clock)";
  } else if (code === "CERT_NOT_YET_VALID") {
    detail = `the certificate is not valid yet (${code})`;
    fix = "check this machine's clock (NTP)";
  } else {
    detail = `the certificate failed verification (${code})`;
    fix = "if the orchestrator uses a private CA, set VCO_CA_FILE to its PEM file";
  }
  return fail(new TlsError(`TLS check of the VCO ${to.host} failed: ${detail}`), detail, fix);
}

function handshakeFailure(to: Endpoint, e: NodeJS.ErrnoException): Outcome {
  const code = e.code ?? e.message;
  const where = `${to.host}:${to.port}`;
  if (code === "ETIMEDOUT") {
    const err = new GaveUpError(
      `no TLS handshake with ${where} within ${HANDSHAKE_TIMEOUT_MS / 1000} s`,
    );
    return fail(err, err.message, "check that this port serves https (a firewall may hold TLS)");
  }
  if (/SSL|TLS|OSSL/.test(code)) {
    const err = new TlsError(`no TLS on ${where} (${code})`);
    return fail(err, err.message, "check the port in VCO_HOSTNAME: it must be the https port");
  }
  const err = new GaveUpError(
    `the connection to ${where} broke during the TLS handshake (${code})`,
  );
  return fail(err, err.message, "a firewall or proxy may cut TLS here; ask the network team");
}
