// For tests of the VCO_CONFIG file: write one, and read the problems its ConfigError lists.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ConfigError } from "../../src/errors.js";
import { tempDir } from "./tmp.js";

/** `text` as vco.yaml in a new temporary folder, with `mode`. */
export function writeConfigFile(text: string, mode = 0o600): string {
  return writeConfigIn(tempDir(), text, mode);
}

/** `text` as `dir`/vco.yaml, with exactly `mode` (whatever the umask). */
export function writeConfigIn(dir: string, text: string, mode = 0o600): string {
  const file = path.join(dir, "vco.yaml");
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
  return file;
}

/** The problems of the one-line ConfigError `fn` throws (or rejects with), one per entry. */
export async function problemsOf(fn: () => unknown): Promise<string[]> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
    assert.equal(err.message.split("\n").length, 1, "one line");
    return err.message.replace(/^configuration file [^:]+: /, "").split("; ");
  }
  assert.fail("no error");
}
