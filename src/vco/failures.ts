import { HostNotFoundError, ProxyError, TlsError } from "../errors.js";

/** A failed attempt that is worth repeating. */
export class Retryable {
  constructor(
    readonly reason: string,
    /** Set for 429: the penalty to sit out. Otherwise the caller backs off exponentially. */
    readonly penaltyMs?: number,
  ) {}
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL|HOSTNAME_MISMATCH|ERR_OSSL/;

/**
 * What a request that got no HTTP answer means, from its error's code only (axios errors carry the
 * request headers, so the object itself is never kept or logged).
 *
 * Waiting cannot fix a certificate that fails verification or a proxy that wants other credentials:
 * those end the run at once. A name that does not resolve ends it at once too while the setup has
 * never worked (`established` false: it is a typo, not a blip); after that it is ridden out.
 */
export function classifyNetworkError(
  err: unknown,
  method: string,
  host: string,
  established: boolean,
): Retryable {
  const e = err as { code?: string; message?: string; cause?: unknown };
  const proxy = e.cause instanceof ProxyError ? e.cause : err instanceof ProxyError ? err : null;
  if (proxy) {
    if (proxy.status === 407 || proxy.status === 403) throw proxy;
    if (proxy.code === "ENOTFOUND" && !established) {
      throw new HostNotFoundError(`${proxy.message}: check the proxy's host name`);
    }
    return new Retryable(proxy.message);
  }
  const code = e.code ?? "";
  if (TLS_CODES.test(code) || TLS_CODES.test(e.message ?? "")) {
    throw new TlsError(
      `TLS check of the VCO ${host} failed (${code || "certificate problem"}): if the orchestrator ` +
        "uses a private CA, set VCO_CA_FILE (or NODE_EXTRA_CA_CERTS) to its PEM file; if the name " +
        "does not match, use the host name on its certificate in VCO_HOSTNAME",
    );
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    if (!established) {
      throw new HostNotFoundError(
        code === "ENOTFOUND"
          ? `the VCO host ${host} does not resolve (ENOTFOUND): check VCO_HOSTNAME (behind a proxy, set HTTPS_PROXY or VCO_PROXY)`
          : `the VCO host ${host} could not be resolved: the DNS server did not answer (EAI_AGAIN); check the machine's DNS settings`,
      );
    }
    return new Retryable(`cannot resolve the VCO host ${host} (${code})`);
  }
  const reason =
    code === "ECONNABORTED" || code === "ETIMEDOUT"
      ? `no reply in time (${code})`
      : `connection failed (${code || "unknown"})`;
  return new Retryable(`${reason} on ${method}`);
}
