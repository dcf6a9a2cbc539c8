import { StorageError } from "../errors.js";

const HINTS: Record<string, string> = {
  EACCES: "the tool's user may not write there; fix the owner or mode, or set VCO_DATA_DIR",
  EPERM: "the tool's user may not write there; fix the owner or mode, or set VCO_DATA_DIR",
  EROFS: "the file system is read-only; set VCO_DATA_DIR to a writable place",
  ENOSPC: "the disk is full; free space and run again (nothing was lost: the cursor did not move)",
  EDQUOT: "the disk quota is used up; free space and run again (the cursor did not move)",
  ELOOP: "a symbolic link stands where a file was expected; remove it",
  ENOTDIR: "a file stands where a folder was expected; move it away",
  // mkdir of a path that exists as a file (not a folder).
  EEXIST: "a file stands where a folder was expected; move it away",
};

/** An fs error as a StorageError whose message says what to do about it. */
export function storageError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const hint = HINTS[code] ?? (err as Error).message;
  return new StorageError(`${what} (${code || "error"}): ${hint}`, code);
}
