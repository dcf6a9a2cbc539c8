import fs from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors.js";
import { demoSimulator, DEMO_TOKEN } from "../simulator/demo-world.js";
import { fetchCommand } from "./fetch.js";

export interface DemoOptions {
  dataDir: string;
  out?: (text: string) => void;
}

/** Start the simulator on loopback, run one real fetch against it, and show what landed where. */
export async function demoCommand(o: DemoOptions): Promise<void> {
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  const dataDir = path.resolve(o.dataDir);
  const replaced = prepareDataDir(dataDir);
  const sim = demoSimulator(3_000);
  const url = await sim.start(0, "127.0.0.1");
  if (replaced)
    out(`Each demo is a new simulated VCO: the last demo's output in ${dataDir} is replaced.\n`);
  out(
    `Started a simulated VCO at ${url} with a day of events; fetching them into ${dataDir} ...\n\n`,
  );
  try {
    const { results } = await fetchCommand({
      env: {
        VCO_HOSTNAME: url,
        VCO_TOKEN: DEMO_TOKEN,
        VCO_DATA_DIR: dataDir,
        LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      },
    });
    out("\nDone:\n");
    for (const r of results) {
      const file = path.join(dataDir, r.folder, "events.json");
      out(
        `  ${r.enterpriseName}: ${r.written} new events (${r.duplicates} already there) -> ${file}\n`,
      );
      const first = fs.readFileSync(file, "utf8").split("\n", 1)[0];
      if (first) out(`\nFirst line of ${shown(file)}:\n  ${first}\n`);
    }
    out(
      "\nEach fetch appends only what is new since the stored cursor.\n" +
        `Then \`npx vco-events status --data-dir ${shown(dataDir)}\` shows the cursor and last run.\n` +
        "For a real orchestrator, copy .env.example to .env, fill it in, run `npx vco-events check`,\n" +
        "then `npx vco-events fetch`.\n",
    );
  } finally {
    await sim.stop();
  }
}

/** Marks a data dir as the demo's own, so a later demo may clear it. */
const MARKER = ".vco-events-demo";

/**
 * The demo's data dir: new, empty, or the output of an earlier demo, which is cleared (each demo
 * is a new simulated VCO, whose cursor would not fit the old one's). Anything else is left alone.
 * Returns whether an earlier demo's output was cleared.
 */
function prepareDataDir(dir: string): boolean {
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new ConfigError(
      `${dir} already holds files the demo did not write; give the demo a new or empty folder ` +
        "with --data-dir",
    );
  }
  for (const name of entries) {
    if (name !== MARKER) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, MARKER),
    "written by `vco-events demo`; the next demo clears this folder\n",
  );
  return entries.length > 0;
}

/** A path relative to the working directory when it is inside it, else absolute. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith("..") ? rel : p;
}
