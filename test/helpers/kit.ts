// The test kit: the one module a test imports to set itself up (a started simulator with events, a
// temporary data dir, the environment that points the CLI at both), to run the built CLI, and to
// check what it wrote. The building blocks it re-exports (cli.ts, sim.ts, tmp.ts, fake-clock.ts)
// stay small files of their own; the TLS and proxy fixtures (pki.ts, connect-proxy.ts) are imported
// only by the few tests that need them, since pki.ts probes for openssl as it loads.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { after } from "node:test";
import type { Credentials } from "../../src/config.js";
import { createLogger, type Logger } from "../../src/logger.js";
import type { EventStore } from "../../src/simulator/event-store.js";
import type { Fault } from "../../src/simulator/faults.js";
import { Simulator, type SimulatorOptions } from "../../src/simulator/server.js";
import { VcoClient } from "../../src/vco/client.js";
import { PAGE_LIMIT } from "../../src/vco/events.js";
import { createHttp } from "../../src/vco/http.js";
import { backoffDelay } from "../../src/vco/retry.js";
import { collect, runCli, startCli, type CliResult } from "./cli.js";
import { FakeClock } from "./fake-clock.js";
import { customerSim, envFor, PASSWORD, TOKEN, USER, type SimCredentials } from "./sim.js";
import { keyOf, readLines, tempDir } from "./tmp.js";

export * from "./cli.js";
export { FakeClock } from "./fake-clock.js";
export * from "./sim.js";
export * from "./tmp.js";

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const EVENTS = "event/getEnterpriseEvents";

// ---------------------------------------------------------------------------------------------
// Simulators

/** `count` events spread evenly from `oldest` to `newest` (default 1 s) ms before the VCO's now. */
export interface Backlog {
  count: number;
  oldest: number;
  newest?: number;
}

export interface SimSetup {
  options?: SimulatorOptions;
  /** The events the enterprise holds when the run starts. */
  events?: Backlog;
  /** Faults for the next requests to `faultMethods` (the events call unless said), in order. */
  script?: Array<Fault | null>;
  faultMethods?: string[];
  /** Who may log in (default: TOKEN, USER and PASSWORD of sim.ts). */
  credentials?: SimCredentials;
}

function addBacklog(sim: Simulator, store: EventStore, b: Backlog | undefined): void {
  if (b) store.addSpread(b.count, sim.now() - b.oldest, sim.now() - (b.newest ?? 1_000));
}

function applyScript(sim: Simulator, setup: SimSetup): void {
  if (!setup.script) return;
  sim.faultMethods = setup.faultMethods ?? [EVENTS];
  sim.script = [...setup.script];
}

/**
 * The customer simulator of sim.ts (ACME Corp, id 1) set up, not started: for a before() hook, which
 * starts it and stops it in the suite's after() (an after() registered inside a before() hook runs
 * as soon as that hook ends).
 */
export function simWith(setup: SimSetup = {}): Simulator {
  const sim = customerSim(setup.options, "ACME Corp", setup.credentials);
  addBacklog(sim, sim.enterprises.get(1)!.store, setup.events);
  applyScript(sim, setup);
  return sim;
}

/** simWith(setup), started, and stopped when the test (or, outside a test, the file) ends. */
export async function startSimWith(setup: SimSetup = {}): Promise<Simulator> {
  const sim = simWith(setup);
  await sim.start();
  after(() => sim.stop());
  return sim;
}

/**
 * startSimWith on a FakeClock (at `start`, or the FakeClock's default): the simulator's now is the
 * clock's, and a client on that clock waits out its retries at once.
 */
export async function startSimOnFakeClock(
  setup: SimSetup = {},
  start?: number,
): Promise<{ clock: FakeClock; sim: Simulator; store: EventStore }> {
  const clock = new FakeClock(start);
  const sim = await startSimWith({
    ...setup,
    options: { ...setup.options, now: () => clock.now() },
  });
  return { clock, sim, store: sim.enterprises.get(1)!.store };
}

export const OPERATOR_TOKEN = "op-token";
export const PARTNER_TOKEN = "partner-token";
/** The partner PARTNER_TOKEN speaks for. */
export const PARTNER_ID = 7;
export const OPERATOR_USER = { username: "ops@vco", password: "op-pass" };

export interface EnterpriseSetup {
  id: number;
  name: string;
  /** The partner (proxy) it belongs to; none for a direct customer. */
  proxyId?: number | undefined;
  events?: Backlog;
}

/**
 * A simulator with several enterprises, reached with OPERATOR_TOKEN (every enterprise),
 * PARTNER_TOKEN (those of partner PARTNER_ID) or OPERATOR_USER's password; stopped when the test
 * ends.
 */
export async function startOperatorSim(
  enterprises: EnterpriseSetup[],
  options: SimulatorOptions = {},
): Promise<Simulator> {
  const sim = new Simulator(options);
  for (const e of enterprises)
    addBacklog(sim, sim.addEnterprise(e.id, e.name, e.proxyId).store, e.events);
  sim.addToken(OPERATOR_TOKEN, { type: "operator" });
  sim.addToken(PARTNER_TOKEN, { type: "partner", proxyId: PARTNER_ID });
  sim.addUser({ ...OPERATOR_USER, principal: { type: "operator" } });
  await sim.start();
  after(() => sim.stop());
  return sim;
}

// ---------------------------------------------------------------------------------------------
// Talking to a simulator in-process

/** A logger that writes nowhere. */
/**
 * An operator simulator that `token` also reaches (one orchestrator of a VCO_CONFIG file), with
 * these enterprises as [id, name, events over the last hour].
 */
export async function startVco(
  token: string,
  enterprises: Array<[number, string, number]>,
): Promise<Simulator> {
  const sim = await startOperatorSim(
    enterprises.map(([id, name, count]) => ({ id, name, events: { count, oldest: HOUR } })),
  );
  sim.addToken(token, { type: "operator" });
  return sim;
}

export const silentLogger = (): Logger =>
  createLogger("silent", new Writable({ write: (_c, _e, cb) => cb() }));

export interface TestClientOptions {
  /** Default: TOKEN of sim.ts. */
  credentials?: Credentials;
  retryBudgetMs: number;
  timeoutMs: number;
  maxInFlight?: number;
  logger?: Logger;
  random?: () => number;
}

/** A VcoClient for `sim` on `clock` (a FakeClock, so its waits cost nothing). */
export function clientFor(sim: Simulator, clock: FakeClock, o: TestClientOptions): VcoClient {
  return new VcoClient({
    http: createHttp({ baseUrl: sim.baseUrl, timeoutMs: o.timeoutMs }),
    credentials: o.credentials ?? { kind: "token", token: TOKEN },
    clock,
    logger: o.logger ?? silentLogger(),
    maxInFlight: o.maxInFlight ?? 3,
    retryBudgetMs: o.retryBudgetMs,
    ...(o.random ? { random: o.random } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Data dirs, environments, running the CLI

/** An enterprise's events.json in a data dir. */
export const eventsFile = (dir: string, folder = "ACME_Corp"): string =>
  path.join(dir, folder, "events.json");

/** A password login to `sim` (USER, PASSWORD of sim.ts) writing to `dir`; no token. */
export function passwordEnv(
  sim: Simulator,
  dir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    VCO_HOSTNAME: sim.baseUrl,
    VCO_USERNAME: USER,
    VCO_PASSWORD: PASSWORD,
    VCO_DATA_DIR: dir,
    ...extra,
  };
}

/** An OPERATOR_TOKEN login to `sim` writing to `dir`. */
export const operatorEnv = (
  sim: Simulator,
  dir: string,
  extra: Record<string, string> = {},
): Record<string, string> => envFor(sim, dir, { VCO_TOKEN: OPERATOR_TOKEN, ...extra });

export interface Fixture {
  sim: Simulator;
  /** ACME Corp's events on the simulator. */
  store: EventStore;
  /** A fresh data dir, removed when the test ends. */
  dir: string;
  /** A token login to `sim` writing to `dir` (envFor of sim.ts), with the setup's extra variables. */
  env: Record<string, string>;
  /** ACME Corp's events.json in `dir`. */
  file: string;
}

/** The setup of most end-to-end tests: startSimWith(setup), a data dir, the env and the file. */
export async function simFixture(
  setup: SimSetup & { env?: Record<string, string> } = {},
): Promise<Fixture> {
  const sim = await startSimWith(setup);
  const dir = tempDir();
  return {
    sim,
    store: sim.enterprises.get(1)!.store,
    dir,
    env: envFor(sim, dir, setup.env),
    file: eventsFile(dir),
  };
}

/** `vco-events fetch ...args` with `env`, run to its end. */
export function fetch(
  env: Record<string, string | undefined>,
  ...args: string[]
): Promise<CliResult> {
  return runCli(["fetch", ...args], env);
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves when the process has ended and its output is complete. */
  done: Promise<CliResult>;
  /** What it has written to stdout so far. */
  stdout(): string;
}

/** The built CLI started (not awaited), its stdout readable while it runs. */
export function spawnCli(
  args: string[],
  env: Record<string, string | undefined>,
  cwd?: string,
): RunningCli {
  const child = startCli(args, env, cwd);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, done: collect(child), stdout: () => out };
}

/** Kill -9 a spawned CLI (if still running) and wait until it is gone and reaped. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("close", () => resolve()));
  child.kill("SIGKILL");
  await gone;
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---------------------------------------------------------------------------------------------
// What the CLI wrote: files, state, output

export interface SavedState {
  cursor: number | null;
  /** Absent in files of versions before it. */
  seenFrom?: number;
  seen: Array<[string, number]>;
  file: { ino: number; size: number } | null;
  lastError: { at: string; message: string } | null;
}

/** The data dir's state folder, or a file in it (`lock`, `enterprise-1.json`, ...). */
export const statePath = (dataDir: string, ...names: string[]): string =>
  path.join(dataDir, ".state", ...names);

/** A file's size, or 0 if it is not there (yet). */
export const sizeOf = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).size : 0);

/** The committed state of an enterprise, parsed (it must always parse: it is written atomically). */
export function readState(dataDir: string, enterpriseId = 1): SavedState | undefined {
  const file = statePath(dataDir, `enterprise-${enterpriseId}.json`);
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

/** Each named enterprise's file holds the keys of that enterprise's events on `sim`, no others. */
export function assertSameKeys(
  dir: string,
  sim: Simulator,
  enterprises: ReadonlyArray<readonly [id: number, folder: string]>,
): void {
  for (const [id, folder] of enterprises) {
    const lines = readLines(eventsFile(dir, folder));
    assert.deepEqual(
      new Set(lines.map(keyOf)),
      new Set(sim.enterprises.get(id)!.store.all().map(keyOf)),
      folder,
    );
  }
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

/** What a run wrote into a data dir besides its state: the enterprise folders. */
export const writtenFolders = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n !== ".state") : [];

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

// ---------------------------------------------------------------------------------------------
// Time bounds derived from the settings a test gives, not from how fast this machine is

/**
 * The least time a call that keeps failing takes to give up under a retry budget: the backoff
 * steps of src/vco/retry.ts that fit the budget even at their longest jitter are always waited,
 * each at least at its shortest.
 */
export function leastTimeToGiveUp(budgetMs: number): number {
  let longest = 0;
  let least = 0;
  for (let n = 1; longest + backoffDelay(n, () => 1) <= budgetMs; n++) {
    longest += backoffDelay(n, () => 1);
    least += backoffDelay(n, () => 0);
  }
  return least;
}

/**
 * The least time it takes to page through `events` events of one enterprise when each events
 * request takes `msPerPage`: a page holds at most PAGE_LIMIT events, and at most `inFlight`
 * requests (VCO_MAX_IN_FLIGHT, 3 by default) are answered at once.
 */
export const leastTimeToPage = (events: number, msPerPage: number, inFlight = 3): number =>
  Math.ceil(Math.ceil(events / PAGE_LIMIT) / inFlight) * msPerPage;
