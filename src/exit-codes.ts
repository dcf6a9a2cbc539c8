import {
  AuthError,
  ConfigError,
  DeliveryError,
  GaveUpError,
  HostNotFoundError,
  HttpError,
  LockedError,
  ProxyError,
  ResponseShapeError,
  RunFailedError,
  SinkRejectedError,
  StaleError,
  StoppedError,
  StorageError,
  TlsError,
  VcoError,
} from "./errors.js";

/** sysexits(3) codes, plus the shell's 128+signal; the only place errors become numbers. */
export const EXIT = {
  OK: 0,
  SOFTWARE: 1,
  CANTCREAT: 73,
  IOERR: 74,
  TEMPFAIL: 75,
  PROTOCOL: 76,
  NOPERM: 77,
  CONFIG: 78,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

/**
 * The policy, one row per kind of failure (the README's exit-code table). Kinds are named by what
 * happened; whether waiting helps was decided where they were thrown (a host that does not resolve
 * is retried, and ends as GaveUpError, once the setup has worked before).
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof RunFailedError) return exitCodeFor(mostSerious(err.failures));
  if (err instanceof ConfigError || err instanceof HostNotFoundError || err instanceof TlsError)
    return EXIT.CONFIG;
  if (err instanceof AuthError) return EXIT.NOPERM;
  if (err instanceof ProxyError)
    return err.status === 407 || err.status === 403 ? EXIT.NOPERM : EXIT.TEMPFAIL;
  // A 404 on the API path: the host is not an orchestrator (or not this one's API).
  if (err instanceof HttpError) return err.status === 404 ? EXIT.CONFIG : EXIT.PROTOCOL;
  if (
    err instanceof GaveUpError ||
    err instanceof DeliveryError ||
    err instanceof LockedError ||
    err instanceof StoppedError ||
    err instanceof StaleError
  )
    return EXIT.TEMPFAIL;
  if (
    err instanceof ResponseShapeError ||
    err instanceof VcoError ||
    err instanceof SinkRejectedError
  )
    return EXIT.PROTOCOL;
  if (err instanceof StorageError) {
    return err.code === "ENOSPC" || err.code === "EDQUOT" || err.code === "EIO"
      ? EXIT.IOERR
      : EXIT.CANTCREAT;
  }
  return EXIT.SOFTWARE;
}

/** Errors a person must act on come before ones that will pass by themselves. */
const ORDER: number[] = [
  EXIT.SOFTWARE,
  EXIT.NOPERM,
  EXIT.CONFIG,
  EXIT.CANTCREAT,
  EXIT.IOERR,
  EXIT.PROTOCOL,
  EXIT.TEMPFAIL,
];

export function mostSerious(errors: unknown[]): unknown {
  return [...errors].sort(
    (a, b) => ORDER.indexOf(exitCodeFor(a)) - ORDER.indexOf(exitCodeFor(b)),
  )[0];
}

/** User errors are one line; only a bug (exit 1) earns a stack trace. */
export function isUserError(err: unknown): boolean {
  return exitCodeFor(err) !== EXIT.SOFTWARE;
}

/** The exit code of a process that a second SIGINT/SIGTERM ends at once. */
export function exitCodeForSignal(sig: NodeJS.Signals): number {
  return sig === "SIGINT" ? EXIT.SIGINT : EXIT.SIGTERM;
}
