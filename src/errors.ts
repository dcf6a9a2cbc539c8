// One class per failure kind. Messages are written for the person reading the log: what failed,
// and what to do next. Only the entry point (cli.ts) turns these into exit codes.

export class VcoEventsError extends Error {
  override name = "VcoEventsError";
}

/** Bad or missing configuration: fix the environment or the flags. */
export class ConfigError extends VcoEventsError {
  override name = "ConfigError";
}

/** The VCO refused the credentials, or they expired. */
export class AuthError extends VcoEventsError {
  override name = "AuthError";
}

/** HTTP 401 or 403 on an API method: the credential, or its rights to that method (exit 77 too). */
export class RefusedError extends AuthError {
  override name = "RefusedError";
  constructor(
    readonly status: number,
    readonly method: string,
    message: string,
  ) {
    super(message);
  }
}

/** Another run holds the lock on this data directory. */
export class LockedError extends VcoEventsError {
  override name = "LockedError";
}

/** The run was asked to stop (SIGTERM, SIGINT) and stopped at a safe point. */
export class StoppedError extends VcoEventsError {
  override name = "StoppedError";
}

/** A call kept failing in ways that pass (network, 5xx, 429) until the retry budget ran out. */
export class GaveUpError extends VcoEventsError {
  override name = "GaveUpError";
}

/** `status --max-age`: an enterprise has not succeeded for too long. */
export class StaleError extends VcoEventsError {
  override name = "StaleError";
}

/** An HTTP status the VCO (or a load balancer in front of it) answered with. */
export class HttpError extends VcoEventsError {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly method: string,
    detail: string,
  ) {
    super(`VCO answered HTTP ${status} to ${method}${detail ? `: ${detail}` : ""}`);
  }
}

/** The orchestrator's host name does not resolve. */
export class HostNotFoundError extends VcoEventsError {
  override name = "HostNotFoundError";
}

/** The orchestrator's certificate failed verification (untrusted chain, wrong name, expired). */
export class TlsError extends VcoEventsError {
  override name = "TlsError";
}

/** The HTTP proxy refused to open a tunnel, or dropped the connection while asked to. */
export class ProxyError extends VcoEventsError {
  override name = "ProxyError";
  constructor(
    /** The proxy's answer (407, 403, 502, ...), or undefined when it reset the connection. */
    readonly status: number | undefined,
    message: string,
    /** The socket error when there was no answer (ECONNREFUSED, ENOTFOUND, ETIMEDOUT, ...). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A JSON-RPC error object in a VCO reply (any HTTP status). */
export class VcoError extends VcoEventsError {
  override name = "VcoError";
  constructor(
    readonly code: number,
    readonly method: string,
    readonly vcoMessage: string,
  ) {
    super(`VCO error ${code} from ${method}: ${vcoMessage}`);
  }
}

/** A reply that parsed as JSON but is not what the API promises. */
export class ResponseShapeError extends VcoEventsError {
  override name = "ResponseShapeError";
  constructor(
    readonly method: string,
    detail: string,
  ) {
    super(
      `unexpected reply from ${method}: ${detail}. Nothing was written for it; ` +
        "check that VCO_HOSTNAME points at a VeloCloud Orchestrator, and report this if it does",
    );
  }
}

/** The output or state could not be written (permissions, full disk, a hostile symlink). */
export class StorageError extends VcoEventsError {
  override name = "StorageError";
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A SIEM receiver (syslog, HEC) could not take events for now; the backlog waits in the files. */
export class DeliveryError extends VcoEventsError {
  override name = "DeliveryError";
  constructor(
    message: string,
    /** The network error behind it, when there is one (ECONNREFUSED, ECONNRESET, ...). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A SIEM receiver refused the sink's credential (an invalid or disabled HEC token); exits as AuthError. */
export class SinkAuthError extends AuthError {
  override name = "SinkAuthError";
}

/** A SIEM receiver refused what was sent (HEC 400 "Invalid data format", ...): resending will not help. */
export class SinkRejectedError extends VcoEventsError {
  override name = "SinkRejectedError";
}

/** Several enterprises (or orchestrators) failed in one run; the most serious decides the exit. */
export class RunFailedError extends VcoEventsError {
  override name = "RunFailedError";
  constructor(readonly failures: unknown[]) {
    super(failures.map((f) => describeError(f)).join("; "));
  }
}

/** One orchestrator of several failed (VCO_CONFIG): its failures, under its name. */
export class OrchestratorFailedError extends RunFailedError {
  override name = "OrchestratorFailedError";
  constructor(
    readonly orchestrator: string,
    failures: unknown[],
  ) {
    super(failures);
    this.message = `${orchestrator}: ${this.message}`;
  }
}

/** Strip a thrown value down to a message that is safe to log (never an axios config or headers). */
export function describeError(err: unknown): string {
  if (err instanceof VcoEventsError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
