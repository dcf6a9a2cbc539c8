// The "3 orchestrators × 1,000 enterprises" row of `npm run bench`: one fetch process over a
// VCO_CONFIG file naming three simulators, a first run (a small backlog each) and quiet runs. A
// quiet run may make at most one events request per enterprise and stream, counted at the
// simulators; its peak RSS, measured at two fleet sizes, shows what each enterprise costs.
import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Simulator } from "../src/simulator/server.js";

const EVENTS = "event/getEnterpriseEvents";
/** Node options for each fetch child, e.g. "--max-semi-space-size=2" (BENCH_FETCH_FLAGS). */
const FETCH_FLAGS = (process.env.BENCH_FETCH_FLAGS ?? "").split(/\s+/).filter(Boolean);
const TOKEN = "bench-many-operator";
const HOUR = 3_600_000;

export interface ManyOptions {
  tmp: string;
  cli: string;
  /** The --import hook that writes the child's peak RSS (rss-hook.ts). */
  hook: string;
  orchestrators: number;
  enterprises: number;
  /** Events per enterprise in the first run's backlog. */
  events: number;
  out: (text: string) => void;
}

interface Run {
  wallMs: number;
  rssMiB: number;
  /** Events requests each simulator answered during the run. */
  eventsRequests: number[];
  allRequests: number;
}

/** Runs the row and prints it; throws when a quiet run asks for more than it may. */
export async function benchMany(o: ManyOptions): Promise<void> {
  const small = Math.max(1, Math.round(o.enterprises / 10));
  const big = await fleet(o, o.enterprises);
  const few = await fleet(o, small);
  try {
    const first = await run(o, big, "first");
    const written = await countEvents(big.dataDir);
    const expected = o.orchestrators * o.enterprises * o.events;
    if (written !== expected)
      throw new Error(`the first run wrote ${written} events, not ${expected}`);
    const quiet = await run(o, big, "quiet");
    if ((await countEvents(big.dataDir)) !== expected) throw new Error("a quiet run wrote events");
    await run(o, few, "first");
    const quietFew = await run(o, few, "quiet");

    const flags = FETCH_FLAGS.length > 0 ? `, node ${FETCH_FLAGS.join(" ")}` : "";
    const row = `${o.orchestrators} orchestrators × ${fmt(o.enterprises)} enterprises${flags}`;
    o.out(
      `\n${row}, one process (VCO_CONFIG), ${o.events} events each on the first run:\n` +
        `  first run: ${secs(first.wallMs)} s, peak RSS ${first.rssMiB.toFixed(0)} MiB, ` +
        `${fmt(first.allRequests)} requests\n` +
        `  quiet run: ${secs(quiet.wallMs)} s, peak RSS ${quiet.rssMiB.toFixed(0)} MiB, ` +
        `events requests per orchestrator ${quiet.eventsRequests.join(", ")}\n` +
        `  quiet run with ${fmt(small)} enterprises each: ${secs(quietFew.wallMs)} s, ` +
        `peak RSS ${quietFew.rssMiB.toFixed(0)} MiB\n`,
    );
    const perEnterpriseKiB =
      ((quiet.rssMiB - quietFew.rssMiB) * 1024) / (o.orchestrators * (o.enterprises - small));
    const most = Math.max(...quiet.eventsRequests);
    o.out(
      `  ${most <= o.enterprises ? "MET " : "MISS"} a quiet run makes at most one events request ` +
        `per enterprise and stream (most: ${most} for ${o.enterprises})\n` +
        `  memory per enterprise: ${perEnterpriseKiB.toFixed(1)} KiB of peak RSS ` +
        `(the growth from ${small} to ${o.enterprises} enterprises per orchestrator, divided out)\n`,
    );
    if (most > o.enterprises) {
      throw new Error(`a quiet run made ${most} events requests for ${o.enterprises} enterprises`);
    }
  } finally {
    await Promise.all([...big.sims, ...few.sims].map((s) => s.stop()));
  }
}

interface Fleet {
  sims: Simulator[];
  config: string;
  dataDir: string;
}

async function fleet(o: ManyOptions, enterprises: number): Promise<Fleet> {
  const now = Date.now();
  const sims: Simulator[] = [];
  for (let v = 0; v < o.orchestrators; v++) {
    const sim = new Simulator();
    for (let id = 1; id <= enterprises; id++) {
      sim.addEnterprise(id, `Customer ${id}`).store.addSpread(o.events, now - HOUR, now - 60_000);
    }
    sim.addToken(TOKEN, { type: "operator" });
    await sim.start(0, "127.0.0.1");
    sims.push(sim);
  }
  const dir = await fsp.mkdtemp(path.join(o.tmp, `many-${enterprises}-`));
  const config = path.join(dir, "vco.yaml");
  const entries = sims.map(
    (s, i) => `  - { name: vco${i + 1}, hostname: "${s.baseUrl}", token: "\${BENCH_TOKEN}" }`,
  );
  await fsp.writeFile(config, `dataDir: data\norchestrators:\n${entries.join("\n")}\n`);
  return { sims, config, dataDir: path.join(dir, "data") };
}

async function run(o: ManyOptions, f: Fleet, what: string): Promise<Run> {
  const before = f.sims.map((s) => s.log.length);
  const rssFile = path.join(path.dirname(f.config), `rss-${what}`);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  Object.assign(env, {
    VCO_CONFIG: f.config,
    BENCH_TOKEN: TOKEN,
    LOG_LEVEL: "warn",
    BENCH_RSS_FILE: rssFile,
  });
  const started = performance.now();
  const args = [...FETCH_FLAGS, "--import", o.hook, o.cli, "fetch", "--since", "2h"];
  const child = spawn(process.execPath, args, {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`fetch (${what}) exited with ${code}: ${stderr.slice(-2000)}`);
  const logs = f.sims.map((s, i) => s.log.slice(before[i]));
  return {
    wallMs,
    rssMiB: Number(await fsp.readFile(rssFile, "utf8")) / 1024,
    eventsRequests: logs.map((l) => l.filter((e) => e.method === EVENTS).length),
    allRequests: logs.reduce((n, l) => n + l.length, 0),
  };
}

async function countEvents(dataDir: string): Promise<number> {
  let n = 0;
  for (const vco of await fsp.readdir(dataDir)) {
    for (const folder of await fsp.readdir(path.join(dataDir, vco))) {
      const file = path.join(dataDir, vco, folder, "events.json");
      if (!fs.existsSync(file)) continue;
      const text = await fsp.readFile(file, "utf8");
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
    }
  }
  return n;
}

const secs = (ms: number) => (ms / 1000).toFixed(1);
const fmt = (n: number) => n.toLocaleString("en-US");
