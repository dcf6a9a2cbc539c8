// Bundle the compiled CLI into dist/bin so a cron-driven run loads a few files instead of
// hundreds: start-up is most of a quiet run's cost (see docs/bench.md). Commands stay in
// separate chunks, so `fetch` never loads the simulator.
import { chmodSync, rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist/bin", { recursive: true, force: true });

await build({
  entryPoints: ["dist/src/cli.js"],
  outdir: "dist/bin",
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  legalComments: "none",
  logLevel: "warning",
  // CommonJS dependencies (axios, pino, commander) still call require() inside the ESM bundle.
  banner: {
    js: 'import { createRequire as __vcoRequire } from "node:module"; const require = __vcoRequire(import.meta.url);',
  },
});

// npm links the bin for dependents, but `npx vco-events` in this checkout runs the file as is.
chmodSync("dist/bin/cli.js", 0o755);
