import {
  AuthError,
  ConfigError,
  ResponseShapeError,
  StorageError,
  TemporaryError,
  VcoError,
} from "./errors.js";

/** sysexits(3) codes; the only place errors become numbers. */
export const EXIT = {
  OK: 0,
  SOFTWARE: 1,
  CANTCREAT: 73,
  IOERR: 74,
  TEMPFAIL: 75,
  PROTOCOL: 76,
  NOPERM: 77,
  CONFIG: 78,
} as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof ConfigError) return EXIT.CONFIG;
  if (err instanceof AuthError) return EXIT.NOPERM;
  if (err instanceof TemporaryError) return EXIT.TEMPFAIL;
  if (err instanceof ResponseShapeError || err instanceof VcoError) return EXIT.PROTOCOL;
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
