// `npm run bench`: the simulator runs in this process on 127.0.0.1; the real CLI and the floor
// script run as child processes against it, so both pay the same process start, loopback HTTP and
// server cost. See docs/bench.md for what is measured and why.
import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Simulator } from "../src/simulator/server.js";
import { selfTimes } from "./cpuprofile.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The compiled, unbundled CLI; and the bin package.json ships (a bundle of it, when there is one). */
const UNBUNDLED = path.join(ROOT, "dist/src/cli.js");
const CLI = process.env.BENCH_CLI ? path.resolve(process.env.BENCH_CLI) : shippedBin();
const FLOOR = path.join(ROOT, "dist/bench/floor.js");
const HOOK = pathToFileURL(path.join(ROOT, "dist/bench/rss-hook.js")).href;

const DAY = 86_400_000;
const SINCE = "8d";
const SINCE_MS = 8 * DAY;
const SIZES = listOfInts(process.env.BENCH_SIZES) ?? [20_000, 200_000, 1_000_000];
/** Backfill and floor runs per size, alternated; the best of each is compared. */
const REPEAT = clamp(Number(process.env.BENCH_REPEAT ?? 2), 1, 5);
/** No-new-events runs after each backfill. */
const QUIET_RUNS = 3;
const PROFILE = process.env.BENCH_PROFILE !== "0";
const CHILD_TIMEOUT_MS = 300_000;

const TARGET = { ratio: 1.3, rssGrowth: 1.2, rssMiB: 150, quietMs: 500 };

interface ChildRun {
  wallMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
  rssMiB: number | undefined;
  requests: number;
}

interface SizeResult {
  size: number;
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
  const sim = new Simulator(); // rate limiter off by default
  try {
    out(`vco-events bench — ${machine()}\n${load("before")}`);
    out(`fetch runs ${path.relative(ROOT, CLI)}; the floor is ${path.relative(ROOT, FLOOR)}\n`);
    const t0 = performance.now();
    const now = Date.now();
    SIZES.forEach((size, i) => {
      const e = sim.addEnterprise(i + 1, `Bench ${size}`);
      e.store.addSpread(size, now - 7 * DAY, now - 60_000);
      sim.addToken(token(i + 1), { type: "customer", enterpriseId: i + 1 });
    });
    const url = await sim.start(0, "127.0.0.1");
    out(
      `simulator at ${url}: ${SIZES.map(fmtInt).join(", ")} events over the last 7 days ` +
        `(ready in ${secs(performance.now() - t0)})\n` +
        `each backfill: \`fetch --since ${SINCE}\` into a fresh data dir; best of ${REPEAT}, alternating with the floor\n\n`,
    );

    const results: SizeResult[] = [];
    for (const [i, size] of SIZES.entries()) {
      results.push(await benchSize(sim, url, tmp, i + 1, size));
    }
    report(results);
    out(load("after the measurements"));
    if (PROFILE) await profile(sim, url, tmp, results);
  } finally {
    await sim.stop();
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

async function benchSize(
  sim: Simulator,
  url: string,
  tmp: string,
  id: number,
  size: number,
): Promise<SizeResult> {
  const r: SizeResult = {
    size,
    floor: [],
    fetch: [],
    quiet: [],
    quietUnbundled: [],
    floorPages: 0,
  };
  let dataDir = "";
  for (let rep = 0; rep < REPEAT; rep++) {
    const floor = await runFloor(sim, url, tmp, id);
    const floorOut = JSON.parse(floor.stdout) as { events: number; pages: number };
    if (floorOut.events !== size)
      throw new Error(`floor saw ${floorOut.events} events, expected ${size}`);
    r.floorPages = floorOut.pages;
    r.floor.push(floor);

    if (dataDir) await fsp.rm(dataDir, { recursive: true, force: true });
    dataDir = path.join(tmp, `data-${id}-${rep}`);
    const fetch = await runFetch(sim, url, tmp, id, dataDir, true);
    const lines = await countLines(eventsFile(dataDir, size));
    if (lines !== size) throw new Error(`fetch wrote ${lines} events, expected ${size}`);
    r.fetch.push(fetch);
    out(
      `  ${fmtInt(size).padStart(9)} events, run ${rep + 1}: floor ${secs(floor.wallMs)}, ` +
        `fetch ${secs(fetch.wallMs)} (${ratio(fetch.wallMs / floor.wallMs)})\n`,
    );
  }
  const before = fs.statSync(eventsFile(dataDir, size)).size;
  for (let q = 0; q < QUIET_RUNS; q++) {
    r.quiet.push(await runFetch(sim, url, tmp, id, dataDir, false));
    if (CLI !== UNBUNDLED)
      r.quietUnbundled.push(await runFetch(sim, url, tmp, id, dataDir, false, [], UNBUNDLED));
  }
  if (fs.statSync(eventsFile(dataDir, size)).size !== before)
    throw new Error("a no-new-events run wrote to events.json");
  await fsp.rm(dataDir, { recursive: true, force: true });
  return r;
}

function runFloor(sim: Simulator, url: string, tmp: string, id: number): Promise<ChildRun> {
  const now = Date.now();
  return runChild(
    sim,
    [FLOOR, url, token(id), String(id), String(now - SINCE_MS), String(now)],
    {},
    tmp,
    path.join(tmp, `rss-floor-${id}`),
  );
}

function runFetch(
  sim: Simulator,
  url: string,
  tmp: string,
  id: number,
  dataDir: string,
  measureRss: boolean,
  nodeFlags: string[] = [],
  cli = CLI,
): Promise<ChildRun> {
  return runChild(
    sim,
    [...nodeFlags, cli, "fetch", "--since", SINCE],
    { VCO_HOSTNAME: url, VCO_TOKEN: token(id), VCO_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    tmp,
    measureRss ? path.join(tmp, `rss-fetch-${id}`) : undefined,
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

function report(results: SizeResult[]): void {
  out("\nBackfill (wall time from spawn to exit; best run of each; RSS = peak, MiB)\n");
  const rows: string[][] = [
    [
      "events",
      "floor s",
      "floor ev/s",
      "floor RSS",
      "fetch s",
      "fetch ev/s",
      "fetch RSS",
      "fetch/floor",
      "requests f/fl",
    ],
  ];
  for (const r of results) {
    const fl = best(r.floor);
    const fe = best(r.fetch);
    rows.push([
      fmtInt(r.size),
      secs(fl.wallMs, 2),
      fmtInt(r.size / (fl.wallMs / 1000)),
      mib(maxRss(r.floor)),
      secs(fe.wallMs, 2),
      fmtInt(r.size / (fe.wallMs / 1000)),
      mib(maxRss(r.fetch)),
      ratio(fe.wallMs / fl.wallMs),
      `${fe.requests}/${fl.requests}`,
    ]);
  }
  out(table(rows));

  out("\nNo new events (a fetch right after the backfill; spawn to exit)\n");
  const qrows: string[][] = [["backlog", "cli", "runs", "median s", "max s", "requests/run"]];
  for (const r of results) {
    for (const [cli, runs] of [
      [CLI, r.quiet],
      [UNBUNDLED, r.quietUnbundled],
    ] as const) {
      if (runs.length === 0) continue;
      const walls = runs.map((q) => q.wallMs).sort((a, b) => a - b);
      qrows.push([
        fmtInt(r.size),
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
  const big = results.filter((r) => r.size >= 200_000);
  for (const r of big.length ? big : results) {
    const x = best(r.fetch).wallMs / best(r.floor).wallMs;
    verdict(
      x <= TARGET.ratio,
      `backfill ${fmtInt(r.size)}: fetch is ${ratio(x)} the floor (target <= ${TARGET.ratio}x)`,
    );
  }
  const small = results[0];
  const large = results[results.length - 1];
  if (small && large) {
    const a = maxRss(small.fetch);
    const b = maxRss(large.fetch);
    if (a !== undefined && b !== undefined) {
      if (small !== large)
        verdict(
          b <= a * TARGET.rssGrowth,
          `peak RSS ${fmtInt(large.size)} vs ${fmtInt(small.size)}: ${mib(b)} vs ${mib(a)} MiB ` +
            `(${ratio(b / a)}; target <= ${TARGET.rssGrowth}x)`,
        );
      verdict(
        b < TARGET.rssMiB,
        `peak RSS ${fmtInt(large.size)}: ${mib(b)} MiB (target < ${TARGET.rssMiB} MiB)`,
      );
    } else out("  ?    peak RSS: not recorded\n");
  }
  const worst = Math.max(...results.flatMap((r) => r.quiet.map((q) => q.wallMs)));
  verdict(
    worst < TARGET.quietMs,
    `no-new-events run (${path.relative(ROOT, CLI)}): slowest ${secs(worst, 3)} s (target < ${TARGET.quietMs / 1000} s)`,
  );
}

/**
 * Where the time goes (node --cpu-prof): a backfill of the mid-size backlog and the floor over the
 * same window, by function; then a no-new-events run, by package, since that one is start-up.
 */
async function profile(
  sim: Simulator,
  url: string,
  tmp: string,
  results: SizeResult[],
): Promise<void> {
  const pick = results.find((r) => r.size >= 200_000) ?? results[results.length - 1] ?? results[0];
  if (!pick) return;
  const id = SIZES.indexOf(pick.size) + 1;
  const dataDir = path.join(tmp, "data-profile");
  const flags = (name: string) => ["--cpu-prof", "--cpu-prof-dir", path.join(tmp, "prof", name)];

  const backfill = await runFetch(sim, url, tmp, id, dataDir, false, flags("fetch"));
  showProfile(`fetch backfill of ${fmtInt(pick.size)} events`, "fetch", backfill, "function", 16);
  const quiet = await runFetch(sim, url, tmp, id, dataDir, false, flags("quiet"));
  showProfile("no-new-events fetch right after it", "quiet", quiet, "package", 10);
  await fsp.rm(dataDir, { recursive: true, force: true });
  const now = Date.now();
  const floor = await runChild(
    sim,
    [...flags("floor"), FLOOR, url, token(id), String(id), String(now - SINCE_MS), String(now)],
    {},
    tmp,
    undefined,
  );
  showProfile(`floor over the same ${fmtInt(pick.size)} events`, "floor", floor, "function", 8);

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

function eventsFile(dataDir: string, size: number): string {
  return path.join(dataDir, `Bench_${size}`, "events.json");
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

function listOfInts(text: string | undefined): number[] | undefined {
  if (!text?.trim()) return undefined;
  const v = text.split(",").map((s) => Number(s.trim()));
  if (v.some((n) => !Number.isInteger(n) || n < 1 || n > 5_000_000))
    throw new Error("BENCH_SIZES must be a comma-separated list of counts up to 5,000,000");
  return v;
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
