import fs from "node:fs";
import path from "node:path";
import { demoSimulator, DEMO_TOKEN } from "../simulator/demo-world.js";
import { fetchCommand } from "./fetch.js";

export interface DemoOptions {
  dataDir: string;
  out?: (text: string) => void;
}

/** Start the simulator on loopback, run one real fetch against it, and show what landed where. */
export async function demoCommand(o: DemoOptions): Promise<void> {
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  const sim = demoSimulator(3_000);
  const url = await sim.start(0, "127.0.0.1");
  const dataDir = path.resolve(o.dataDir);
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
        "For a real orchestrator, copy .env.example to .env, fill it in, and run `npx vco-events fetch`.\n",
    );
  } finally {
    await sim.stop();
  }
}

/** A path relative to the working directory when it is inside it, else absolute. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith("..") ? rel : p;
}
