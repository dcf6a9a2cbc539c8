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

/** Something that should work on a later run: network, 5xx, rate limits, a lock held by another run. */
export class TemporaryError extends VcoEventsError {
  override name = "TemporaryError";
}

/** Another run holds the lock on this data directory. */
export class LockedError extends TemporaryError {
  override name = "LockedError";
}

/** The run was asked to stop (SIGTERM, SIGINT) and stopped at a safe point. */
export class StoppedError extends TemporaryError {
  override name = "StoppedError";
}

/** An HTTP status the VCO (or a proxy in front of it) answered with. */
export class HttpError extends TemporaryError {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly method: string,
    detail: string,
  ) {
    super(`VCO answered HTTP ${status} to ${method}${detail ? `: ${detail}` : ""}`);
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

/** Strip a thrown value down to a message that is safe to log (never an axios config or headers). */
export function describeError(err: unknown): string {
  if (err instanceof VcoEventsError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
