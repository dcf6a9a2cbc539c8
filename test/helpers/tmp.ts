import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = "vco-events-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Parsed lines of an NDJSON file; fails the test on a partial or unparsable line. */
export function readLines(file: string): Array<Record<string, unknown>> {
  const text = fs.readFileSync(file, "utf8");
  if (text.length > 0 && !text.endsWith("\n")) throw new Error(`${file} ends with a partial line`);
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export const keyOf = (e: Record<string, unknown>): string => String(e.id ?? e.logicalId);
