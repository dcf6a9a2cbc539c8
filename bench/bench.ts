// `npm run bench`: the simulators run in this process on 127.0.0.1; the real CLI and the floor
// script run as child processes against them, so both pay the same process start, loopback HTTP
// and server cost. See docs/bench.md for what is measured and why.
import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Simulator } from "../src/simulator/server.js";
import { selfTimes } from "./cpuprofile.js";
import { forwardBench } from "./forward.js";
import { benchMany } from "./many.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The compiled, unbundled CLI; and the bin package.json ships (a bundle of it, when there is one). */
const UNBUNDLED = path.join(ROOT, "dist/src/cli.js");
const CLI = process.env.BENCH_CLI ? path.resolve(process.env.BENCH_CLI) : shippedBin();
const FLOOR = path.join(ROOT, "dist/bench/floor.js");
const HOOK = pathToFileURL(path.join(ROOT, "dist/bench/rss-hook.js")).href;

const DAY = 86_400_000;
const EVENTS = "event/getEnterpriseEvents";
/** The most events a row may ask for: what the simulator holds with ease. */
const MAX_EVENTS = 20_000_000;
/** Which kinds of row run (BENCH_ROWS, comma-separated; all by default). */
const KINDS = ["spread", "dense", "weeks", "latency", "forward", "many"] as const;
type Kind = (typeof KINDS)[number];
const ROWS = listOfKinds(process.env.BENCH_ROWS);
/** spread: backlogs over the last 7 days, `fetch --since 8d`. */
const SIZES = listOfInts(process.env.BENCH_SIZES, "BENCH_SIZES") ?? [20_000, 200_000, 1_000_000];
/** dense: this many events over the last day, `fetch --since 2d`. */
const DENSE = oneInt("BENCH_DENSE", 3_000_000);
/** weeks: this many events over the last 280 days, `fetch --since 41w`. */
const WEEKS = oneInt("BENCH_WEEKS", 1_000_000);
/** latency: this many events over 7 days, each event query answered after LATENCY_MS. */
const LATENCY_EVENTS = oneInt("BENCH_LATENCY_EVENTS", 100_000);
const LATENCY_MS = oneInt("BENCH_LATENCY_MS", 300);
/** VCO_MAX_IN_FLIGHT's default: the reference for the latency row is pages × latency / this. */
const IN_FLIGHT = 3;
/** Backfill and floor runs per row, alternated; the best of each is compared. */
const REPEAT = clamp(Number(process.env.BENCH_REPEAT ?? 2), 1, 5);
/** No-new-events runs after each spread backfill. */
const QUIET_RUNS = 3;
const PROFILE = process.env.BENCH_PROFILE !== "0";
const CHILD_TIMEOUT_MS = 300_000;
/** many: this many orchestrators (simulators) × enterprises in one process, via VCO_CONFIG. */
const MANY_VCOS = oneInt("BENCH_MANY_VCOS", 3);
const MANY_ENTERPRISES = oneInt("BENCH_MANY_ENTERPRISES", 1_000);

const TARGET = {
  ratio: 1.3,
  rssGrowth: 1.2,
  /** The dense and 40-week rows against the smallest 7-day row (issue #12). */
  rssDensity: 1.25,
  rssMiB: 150,
  quietMs: 500,
  forwardPerSec: 50_000,
};
/** forward: events.json files of these sizes delivered to a local rsyslogd. */
const FORWARD_SIZES = listOfInts(process.env.BENCH_FORWARD_SIZES, "BENCH_FORWARD_SIZES") ?? [
  100_000, 1_000_000,
];

/** One row of the backfill table: a backlog, how it is spread, and the fetch that reads it. */
interface Case {
  kind: Kind;
  /** What the table says about the backlog's shape. */
  shape: string;
  events: number;
  /** The events are spread evenly over [now - spanMs, now - 1 min]. */
  spanMs: number;
  since: string;
  sinceMs: number;
  /** Enterprise id and token number; the enterprise's name, and the folder fetch writes it to. */
  id: number;
  name: string;
  folder: string;
  /** The simulator it is served by, and that simulator's URL. */
  sim: Simulator;
  url: string;
}

interface ChildRun {
  wallMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
  rssMiB: number | undefined;
  requests: number;
}

interface CaseResult {
  c: Case;
  floor: ChildRun[];
  fetch: ChildRun[];
  quiet: ChildRun[];
  /** The same no-new-events run with dist/src/cli.js, when the shipped bin is another file. */
  quietUnbundled: ChildRun[];
  floorPages: number;
}

async function main(): Promise<void> {
  for (const f of [CLI, UNBUNDLED, FLOOR, fileURLToPath(HOOK)]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "vco-bench-"));
  const plain = new Simulator(); // rate limiter off by default
  const slow = new Simulator({ latencyMs: LATENCY_MS, latencyMethods: [EVENTS] });
  try {
    out(`vco-events bench — ${machine()}\n${load("before")}`);
    out(`fetch runs ${path.relative(ROOT, CLI)}; the floor is ${path.relative(ROOT, FLOOR)}\n`);
    const t0 = performance.now();
    const cases = await setUp(plain, slow);
    out(
      `simulators ready in ${secs(performance.now() - t0)} s:\n` +
        cases
          .map(
            (c) =>
              `  ${fmtInt(c.events).padStart(9)} events over ${c.shape} at ${c.url}, ` +
              `\`fetch --since ${c.since}\`\n`,
          )
          .join("") +
        `each backfill goes into a fresh data dir; best of ${REPEAT}, alternating with the floor\n\n`,
    );

    const results: CaseResult[] = [];
    for (const c of cases) results.push(await benchCase(tmp, c));
    if (results.length > 0) report(results);
    if (ROWS.has("forward")) await reportForward(tmp);
    if (ROWS.has("many")) {
      const o = { tmp, cli: CLI, hook: HOOK, out, events: 5 };
      await benchMany({ ...o, orchestrators: MANY_VCOS, enterprises: MANY_ENTERPRISES });
    }
    out(load("after the measurements"));
    if (PROFILE && results.length > 0) await profile(tmp, results);
  } finally {
    await plain.stop();
    await slow.stop();
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

/** forward: `vco-events forward` to a real rsyslogd on loopback (bench/forward.ts). */
async function reportForward(tmp: string): Promise<void> {
  out(`\nforward: ${path.relative(ROOT, CLI)} forward, to rsyslogd over tcp://127.0.0.1\n`);
  const rows = await forwardBench({ tmp, cli: CLI, hook: HOOK, sizes: FORWARD_SIZES });
  if (!rows) {
    out("  skipped: rsyslogd is not installed (apt-get install rsyslog)\n");
    return;
  }
  out(
    table([
      ["events", "wall", "events/s", "peak RSS", "rsyslog got"],
      ...rows.map((r) => [
        fmtInt(r.events),
        `${secs(r.wallMs, 2)} s`,
        fmtInt((r.events / r.wallMs) * 1000),
        `${mib(r.rssMiB)} MiB`,
        fmtInt(r.received),
      ]),
    ]),
  );
  for (const r of rows)
    verdict(r.received === r.events, `${fmtInt(r.events)}: rsyslog got every event once`);
  const large = rows[rows.length - 1]!;
  verdict(
    (large.events / large.wallMs) * 1000 >= TARGET.forwardPerSec,
    `${fmtInt(large.events)} events at ${fmtInt((large.events / large.wallMs) * 1000)}/s (target >= ${fmtInt(TARGET.forwardPerSec)}/s)`,
  );
  const small = rows[0]!;
  if (rows.length > 1 && small.rssMiB !== undefined && large.rssMiB !== undefined)
    verdict(
      large.rssMiB <= small.rssMiB * TARGET.rssGrowth,
      `flat memory: peak RSS ${mib(small.rssMiB)} MiB at ${fmtInt(small.events)}, ${mib(large.rssMiB)} MiB at ${fmtInt(large.events)} (target <= ${TARGET.rssGrowth}x)`,
    );
}

/** The rows BENCH_ROWS asks for, each with its enterprise filled and its simulator started. */
async function setUp(plain: Simulator, slow: Simulator): Promise<Case[]> {
  type Row = Pick<Case, "kind" | "shape" | "events" | "spanMs" | "since" | "sinceMs">;
  const week = { shape: "7 days", spanMs: 7 * DAY, since: "8d", sinceMs: 8 * DAY };
  const rows: Row[] = [];
  if (ROWS.has("spread"))
    for (const events of SIZES) rows.push({ ...week, kind: "spread", events });
  if (ROWS.has("dense")) {
    const day = { spanMs: DAY, since: "2d", sinceMs: 2 * DAY };
    rows.push({ ...day, kind: "dense", shape: "1 day", events: DENSE });
  }
  if (ROWS.has("weeks")) {
    const weeks = { spanMs: 280 * DAY, since: "41w", sinceMs: 41 * 7 * DAY };
    rows.push({ ...weeks, kind: "weeks", shape: "280 days", events: WEEKS });
  }
  if (ROWS.has("latency")) {
    const shape = `7 days, ${LATENCY_MS} ms a page`;
    rows.push({ ...week, kind: "latency", shape, events: LATENCY_EVENTS });
  }
  const now = Date.now();
  const filled = rows.map((r, i) => {
    const id = i + 1;
    const sim = r.kind === "latency" ? slow : plain;
    const name = r.kind === "spread" ? `Bench ${r.events}` : `Bench ${r.kind} ${r.events}`;
    sim.addEnterprise(id, name).store.addSpread(r.events, now - r.spanMs, now - 60_000);
    sim.addToken(token(id), { type: "customer", enterpriseId: id });
    return { ...r, id, name, folder: name.replaceAll(" ", "_"), sim };
  });
  const urls = new Map<Simulator, string>();
  for (const { sim } of filled) if (!urls.has(sim)) urls.set(sim, await sim.start(0, "127.0.0.1"));
  return filled.map((c) => ({ ...c, url: urls.get(c.sim)! }));
}

async function benchCase(tmp: string, c: Case): Promise<CaseResult> {
  const r: CaseResult = { c, floor: [], fetch: [], quiet: [], quietUnbundled: [], floorPages: 0 };
  let dataDir = "";
  for (let rep = 0; rep < REPEAT; rep++) {
    const floor = await runFloor(tmp, c);
    const floorOut = JSON.parse(floor.stdout) as { events: number; pages: number };
    if (floorOut.events !== c.events)
      throw new Error(`floor saw ${floorOut.events} events, expected ${c.events}`);
    r.floorPages = floorOut.pages;
    r.floor.push(floor);

    if (dataDir) await fsp.rm(dataDir, { recursive: true, force: true });
    dataDir = path.join(tmp, `data-${c.id}-${rep}`);
    const fetch = await runFetch(tmp, c, dataDir, true);
    const lines = await countLines(eventsFile(dataDir, c));
    if (lines !== c.events) throw new Error(`fetch wrote ${lines} events, expected ${c.events}`);
    r.fetch.push(fetch);
    out(
      `  ${fmtInt(c.events).padStart(9)} events over ${c.shape}, run ${rep + 1}: floor ${secs(floor.wallMs)}, ` +
        `fetch ${secs(fetch.wallMs)} (${ratio(fetch.wallMs / floor.wallMs)})\n`,
    );
  }
  if (c.kind === "spread") {
    const before = fs.statSync(eventsFile(dataDir, c)).size;
    for (let q = 0; q < QUIET_RUNS; q++) {
      r.quiet.push(await runFetch(tmp, c, dataDir, false));
      if (CLI !== UNBUNDLED)
        r.quietUnbundled.push(await runFetch(tmp, c, dataDir, false, [], UNBUNDLED));
    }
    if (fs.statSync(eventsFile(dataDir, c)).size !== before)
      throw new Error("a no-new-events run wrote to events.json");
  }
  await fsp.rm(dataDir, { recursive: true, force: true });
  return r;
}

function runFloor(tmp: string, c: Case, nodeFlags: string[] = []): Promise<ChildRun> {
  const now = Date.now();
  return runChild(
    c.sim,
    [...nodeFlags, FLOOR, c.url, token(c.id), String(c.id), String(now - c.sinceMs), String(now)],
    {},
    tmp,
    nodeFlags.length ? undefined : path.join(tmp, `rss-floor-${c.id}`),
  );
}

function runFetch(
  tmp: string,
  c: Case,
  dataDir: string,
  measureRss: boolean,
  nodeFlags: string[] = [],
  cli = CLI,
): Promise<ChildRun> {
  return runChild(
    c.sim,
    [...nodeFlags, cli, "fetch", "--since", c.since],
    { VCO_HOSTNAME: c.url, VCO_TOKEN: token(c.id), VCO_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    tmp,
    measureRss ? path.join(tmp, `rss-fetch-${c.id}`) : undefined,
  );
}

/** Spawn `node <args>`, timed from spawn to exit; requests are counted from the simulator's log. */
async function runChild(
  sim: Simulator,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  rssFile: string | undefined,
): Promise<ChildRun> {
  if (rssFile) await fsp.rm(rssFile, { force: true });
  const logBefore = sim.log.length;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of Object.keys(childEnv))
    if (k.startsWith("VCO_") && !(k in env)) delete childEnv[k];
  if (rssFile) childEnv.BENCH_RSS_FILE = rssFile;
  const argv = rssFile ? ["--import", HOOK, ...args] : args;
  const started = performance.now();
  const child = spawn(process.execPath, argv, { cwd, env: childEnv, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
  const [wallMs, code] = await new Promise<[number, number | null]>((resolve, reject) => {
    let wall = 0;
    child.once("error", reject);
    child.once("exit", () => (wall = performance.now() - started));
    child.once("close", (c) => resolve([wall, c]));
  });
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(`node ${args.join(" ")} exited with ${code}:\n${stderr.slice(-2000)}`);
  }
  let rssMiB: number | undefined;
  if (rssFile) {
    const kib = Number(await fsp.readFile(rssFile, "utf8").catch(() => "NaN"));
    rssMiB = Number.isFinite(kib) ? kib / 1024 : undefined;
  }
  return { wallMs, code, stdout, stderr, rssMiB, requests: sim.log.length - logBefore };
}

function report(results: CaseResult[]): void {
  out("\nBackfill (wall time from spawn to exit; best run of each; RSS = peak, MiB)\n");
  const rows: string[][] = [
    [
      "events",
      "over",
      "floor s",
      "floor ev/s",
      "floor RSS",
      "fetch s",
      "fetch ev/s",
      "fetch RSS",
      "fetch/floor",
      "fetch/ref",
      "requests f/fl",
    ],
  ];
  for (const r of results) {
    const fl = best(r.floor);
    const fe = best(r.fetch);
    const ref = reference(r);
    rows.push([
      fmtInt(r.c.events),
      r.c.shape,
      secs(fl.wallMs, 2),
      fmtInt(r.c.events / (fl.wallMs / 1000)),
      mib(maxRss(r.floor)),
      secs(fe.wallMs, 2),
      fmtInt(r.c.events / (fe.wallMs / 1000)),
      mib(maxRss(r.fetch)),
      ratio(fe.wallMs / fl.wallMs),
      ref === undefined ? "-" : ratio(fe.wallMs / ref),
      `${fe.requests}/${fl.requests}`,
    ]);
  }
  out(table(rows));
  for (const r of results) {
    const ref = reference(r);
    if (ref !== undefined)
      out(
        `  fetch/ref: against ${r.floorPages} pages × ${LATENCY_MS / 1000} s / ${IN_FLIGHT} in flight = ${secs(ref, 2)} s ` +
          `(the floor asks for one page at a time)\n`,
      );
  }

  const spread = results.filter((r) => r.c.kind === "spread");
  out("\nNo new events (a fetch right after the backfill; spawn to exit)\n");
  const qrows: string[][] = [["backlog", "cli", "runs", "median s", "max s", "requests/run"]];
  for (const r of spread) {
    for (const [cli, runs] of [
      [CLI, r.quiet],
      [UNBUNDLED, r.quietUnbundled],
    ] as const) {
      if (runs.length === 0) continue;
      const walls = runs.map((q) => q.wallMs).sort((a, b) => a - b);
      qrows.push([
        fmtInt(r.c.events),
        path.relative(ROOT, cli),
        String(walls.length),
        secs(median(walls), 3),
        secs(walls[walls.length - 1] ?? NaN, 3),
        [...new Set(runs.map((q) => q.requests))].join(","),
      ]);
    }
  }
  out(table(qrows));

  out("\nTargets\n");
  const big = spread.filter((r) => r.c.events >= 200_000);
  for (const r of [
    ...(big.length ? big : spread),
    ...results.filter((r) => r.c.kind !== "spread"),
  ]) {
    const what = `backfill ${fmtInt(r.c.events)} over ${r.c.shape}`;
    const ref = reference(r);
    if (ref !== undefined) {
      const x = best(r.fetch).wallMs / ref;
      verdict(
        x <= TARGET.ratio,
        `${what}: fetch is ${ratio(x)} pages × latency / ${IN_FLIGHT} (target <= ${TARGET.ratio}x)`,
      );
      continue;
    }
    const x = best(r.fetch).wallMs / best(r.floor).wallMs;
    verdict(
      x <= TARGET.ratio,
      `${what}: fetch is ${ratio(x)} the floor (target <= ${TARGET.ratio}x)`,
    );
    const rss = maxRss(r.fetch);
    if (r.c.kind !== "spread" && rss !== undefined) {
      verdict(
        rss < TARGET.rssMiB,
        `${what}: peak RSS ${mib(rss)} MiB (target < ${TARGET.rssMiB} MiB)`,
      );
      const base = spread[0] && maxRss(spread[0].fetch);
      if (base !== undefined && (r.c.kind === "dense" || r.c.kind === "weeks"))
        verdict(
          rss <= base * TARGET.rssDensity,
          `${what}: peak RSS ${mib(rss)} vs ${mib(base)} MiB at ${fmtInt(spread[0]!.c.events)} over ` +
            `${spread[0]!.c.shape} (${ratio(rss / base)}; target <= ${TARGET.rssDensity}x)`,
        );
    }
  }
  const small = spread[0];
  const large = spread[spread.length - 1];
  if (small && large) {
    const a = maxRss(small.fetch);
    const b = maxRss(large.fetch);
    if (a !== undefined && b !== undefined) {
      if (small !== large)
        verdict(
          b <= a * TARGET.rssGrowth,
          `peak RSS ${fmtInt(large.c.events)} vs ${fmtInt(small.c.events)}: ${mib(b)} vs ${mib(a)} MiB ` +
            `(${ratio(b / a)}; target <= ${TARGET.rssGrowth}x)`,
        );
      verdict(
        b < TARGET.rssMiB,
        `peak RSS ${fmtInt(large.c.events)}: ${mib(b)} MiB (target < ${TARGET.rssMiB} MiB)`,
      );
    } else out("  ?    peak RSS: not recorded\n");
  }
  const quiet = spread.flatMap((r) => r.quiet.map((q) => q.wallMs));
  if (quiet.length)
    verdict(
      Math.max(...quiet) < TARGET.quietMs,
      `no-new-events run (${path.relative(ROOT, CLI)}): slowest ${secs(Math.max(...quiet), 3)} s (target < ${TARGET.quietMs / 1000} s)`,
    );
}

/** For the latency row: the reference, pages × latency / in flight, in ms. */
function reference(r: CaseResult): number | undefined {
  return r.c.kind === "latency" ? (r.floorPages * LATENCY_MS) / IN_FLIGHT : undefined;
}

/**
 * Where the time goes (node --cpu-prof): a backfill of the mid-size backlog and the floor over the
 * same window, by function; then a no-new-events run, by package, since that one is start-up.
 */
async function profile(tmp: string, results: CaseResult[]): Promise<void> {
  const spread = results.filter((r) => r.c.kind === "spread");
  const pick = spread.find((r) => r.c.events >= 200_000) ?? spread[spread.length - 1];
  if (!pick) return;
  const c = pick.c;
  const dataDir = path.join(tmp, "data-profile");
  const flags = (name: string) => ["--cpu-prof", "--cpu-prof-dir", path.join(tmp, "prof", name)];

  const backfill = await runFetch(tmp, c, dataDir, false, flags("fetch"));
  showProfile(`fetch backfill of ${fmtInt(c.events)} events`, "fetch", backfill, "function", 16);
  const quiet = await runFetch(tmp, c, dataDir, false, flags("quiet"));
  showProfile("no-new-events fetch right after it", "quiet", quiet, "package", 10);
  await fsp.rm(dataDir, { recursive: true, force: true });
  const floor = await runFloor(tmp, c, flags("floor"));
  showProfile(`floor over the same ${fmtInt(c.events)} events`, "floor", floor, "function", 8);

  function showProfile(
    title: string,
    name: string,
    run: ChildRun,
    by: "function" | "package",
    rows: number,
  ): void {
    const dir = path.join(tmp, "prof", name);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) return void out(`\nCPU profile of ${title}: none written\n`);
    const { totalMs, top } = selfTimes(path.join(dir, file), by);
    out(
      `\nCPU profile of ${title} (node --cpu-prof; ${secs(run.wallMs, 2)} s wall, ` +
        `${secs(totalMs, 2)} s sampled), self time by ${by}:\n` +
        table([
          ["self ms", "share", by],
          ...top.slice(0, rows).map((t) => [fmtInt(t.ms), pct(t.share), t.name]),
        ]),
    );
    const keep = process.env.BENCH_KEEP_PROFILES;
    if (keep) {
      fs.mkdirSync(keep, { recursive: true });
      fs.copyFileSync(path.join(dir, file), path.join(path.resolve(keep), `${name}.cpuprofile`));
    }
  }
}

// ---- helpers ----

function shippedBin(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    bin?: string | Record<string, string>;
  };
  const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin?.["vco-events"];
  return bin ? path.join(ROOT, bin) : UNBUNDLED;
}

function token(id: number): string {
  return `bench-token-${id}`;
}

function eventsFile(dataDir: string, c: Case): string {
  return path.join(dataDir, c.folder, "events.json");
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  }
  return n;
}

function best(runs: ChildRun[]): ChildRun {
  return runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
}

function maxRss(runs: ChildRun[]): number | undefined {
  const v = runs.map((r) => r.rssMiB).filter((x): x is number => x !== undefined);
  return v.length ? Math.max(...v) : undefined;
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return NaN;
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

function verdict(ok: boolean, text: string): void {
  out(`  ${ok ? "MET " : "MISS"} ${text}\n`);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map(
      (r, i) =>
        "  " +
        r
          .map((cell, c) => (c === r.length - 1 && i > 0 ? cell : cell.padEnd(widths[c]!)))
          .join("  ") +
        "\n",
    )
    .join("");
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const ram = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${os.availableParallelism()} cores, ${cpu}, ${ram} GiB RAM, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/** Other work on the machine skews every figure here: say so next to them. */
function load(when: string): string {
  const [one] = os.loadavg();
  const busy = (one ?? 0) > os.availableParallelism() * 0.5;
  return `load average ${when}: ${(one ?? 0).toFixed(2)}${busy ? " (busy machine: figures are noisy)" : ""}\n`;
}

function listOfInts(text: string | undefined, name: string): number[] | undefined {
  if (!text?.trim()) return undefined;
  const v = text.split(",").map((s) => Number(s.trim()));
  if (v.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_EVENTS))
    throw new Error(`${name} must be a comma-separated list of counts up to ${MAX_EVENTS}`);
  return v;
}

function oneInt(name: string, fallback: number): number {
  const v = listOfInts(process.env[name], name) ?? [fallback];
  if (v.length !== 1) throw new Error(`${name} must be one count`);
  return v[0]!;
}

function listOfKinds(text: string | undefined): Set<Kind> {
  const v = (text ?? KINDS.join(",")).split(",").map((s) => s.trim());
  const bad = v.filter((k) => !(KINDS as readonly string[]).includes(k));
  if (bad.length || v.length === 0)
    throw new Error(`BENCH_ROWS must be a comma-separated list of ${KINDS.join(", ")}`);
  return new Set(v as Kind[]);
}

function clamp(n: number, lo: number, hi: number): number {
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.round(n))) : lo;
}

const out = (t: string) => process.stdout.write(t);
const secs = (ms: number, digits = 1) => (ms / 1000).toFixed(digits);
const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const mib = (n: number | undefined) => (n === undefined ? "?" : n.toFixed(0));
const ratio = (x: number) => `${x.toFixed(2)}x`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
