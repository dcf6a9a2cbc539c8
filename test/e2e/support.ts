// Shared checks for the end-to-end "Unbreakable fetch" tests: exact sets, state files, file trees.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Simulator } from "../../src/simulator/server.js";
import { keyOf, readLines } from "../helpers/tmp.js";

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const EVENTS = "event/getEnterpriseEvents";

export interface SavedState {
  cursor: number | null;
  seen: Array<[string, number]>;
  file: { ino: number; size: number } | null;
  lastError: { at: string; message: string } | null;
}

/** The committed state of an enterprise, parsed (it must always parse: it is written atomically). */
/** A file's size, or 0 if it is not there (yet). */
export const sizeOf = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).size : 0);

export function readState(dataDir: string, enterpriseId = 1): SavedState | undefined {
  const file = path.join(dataDir, ".state", `enterprise-${enterpriseId}.json`);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, "utf8")) as SavedState;
}

/**
 * Every line of every file, complete and parsable, each event exactly once, and together exactly
 * the `expected` events, each unchanged.
 */
export function assertExactSet(files: string[], expected: Array<Record<string, unknown>>): void {
  const lines = files.flatMap((f) => (fs.existsSync(f) ? readLines(f) : []));
  const keys = lines.map(keyOf);
  const unique = new Set(keys);
  if (unique.size !== keys.length) {
    const seen = new Set<string>();
    const dup = keys.find((k) => (seen.has(k) ? true : (seen.add(k), false)));
    assert.fail(`${keys.length - unique.size} duplicate line(s), e.g. event ${dup}`);
  }
  const byKey = new Map(expected.map((e) => [keyOf(e), e]));
  const missing = [...byKey.keys()].filter((k) => !unique.has(k));
  assert.equal(missing.length, 0, `${missing.length} event(s) missing, e.g. ${missing[0]}`);
  assert.equal(lines.length, expected.length, "no extra lines");
  for (const line of lines) assert.deepEqual(line, byKey.get(keyOf(line)), "event unchanged");
}

/** The events of `store` at or before `t`: what a committed cursor at `t` promises is written. */
export function eventsUpTo(
  all: Array<Record<string, unknown>>,
  t: number,
): Array<Record<string, unknown>> {
  return all.filter((e) => Date.parse(e.eventTime as string) <= t);
}

/** Every regular file under `dir`, as absolute paths. */
export function allFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Kill -9 a spawned CLI (if still running) and wait until it is gone and reaped. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("close", () => resolve()));
  child.kill("SIGKILL");
  await gone;
}

/** Times of the events requests the simulator answered, to measure waits between them. */
export function requestsOf(sim: Simulator, method = EVENTS) {
  return sim.log.filter((l) => l.method === method);
}

/** A one-line error on stderr, and no stack trace in any output. */
export function assertOneLineError(r: { stdout: string; stderr: string }, pattern: RegExp): void {
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  for (const text of [r.stdout, r.stderr]) {
    assert.doesNotMatch(text, /\n\s+at |\\n\s+at /, `no stack trace: ${text.slice(0, 2000)}`);
  }
}
