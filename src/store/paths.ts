import path from "node:path";
import { StorageError } from "../errors.js";

export const STATE_DIR = ".state";
export const EVENTS_FILE = "events.json";
const MAX_BYTES = 96;

/**
 * A folder name from an enterprise name that cannot leave the data dir or hide: letters and digits
 * of any script, '.', '-' and '_'; everything else becomes '_'; no leading dot, no empty name.
 */
export function folderName(enterpriseName: string, enterpriseId: number): string {
  let name = enterpriseName
    .normalize("NFKC")
    .replace(/[^\p{L}\p{N}._-]+/gu, "_")
    .replace(/^[._]+/, "")
    .replace(/_+$/, "");
  while (Buffer.byteLength(name) > MAX_BYTES) name = name.slice(0, -1);
  return name === "" ? `enterprise-${enterpriseId}` : name;
}

/** Give each enterprise its own folder even when two names clean up to the same one. */
export function assignFolders(
  enterprises: Array<{ id: number; name: string }>,
): Map<number, string> {
  const byFolder = new Map<string, number[]>();
  for (const e of enterprises) {
    const key = folderName(e.name, e.id).toLowerCase();
    byFolder.set(key, [...(byFolder.get(key) ?? []), e.id]);
  }
  const out = new Map<number, string>();
  for (const e of enterprises) {
    const base = folderName(e.name, e.id);
    const clash = (byFolder.get(base.toLowerCase())?.length ?? 0) > 1;
    out.set(e.id, clash ? `${base}-${e.id}` : base);
  }
  return out;
}

/** Resolve a path under the data dir, refusing anything that would land outside it. */
export function inside(dataDir: string, ...parts: string[]): string {
  const root = path.resolve(dataDir);
  const full = path.resolve(root, ...parts);
  if (full !== root && !full.startsWith(root + path.sep)) {
    throw new StorageError(`refusing to write outside the data directory: ${full}`);
  }
  return full;
}
