// Bundle the compiled CLI into dist/bin so a cron-driven run loads a few files instead of
// hundreds: start-up is most of a quiet run's cost (see docs/bench.md). Commands stay in
// separate chunks, so `fetch` never loads the simulator.
import { chmodSync, rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist/bin", { recursive: true, force: true });

/**
 * axios loads form-data, which loads mime-types and its 200 KiB table of file types, to name the
 * type of a file uploaded in a form. This tool never uploads one, and every run paid for parsing
 * the table (about 13 ms of a quiet run): it is bundled as an empty table, so a lookup would find
 * no type.
 */
const noMimeTable = {
  name: "no-mime-table",
  setup(b) {
    b.onResolve({ filter: /^mime-db$/ }, () => ({ path: "mime-db", namespace: "empty-table" }));
    b.onLoad({ filter: /.*/, namespace: "empty-table" }, () => ({
      contents: "{}",
      loader: "json",
    }));
  },
};

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
  plugins: [noMimeTable],
  // CommonJS dependencies (axios, pino, commander) still call require() inside the ESM bundle.
  banner: {
    js: 'import { createRequire as __vcoRequire } from "node:module"; const require = __vcoRequire(import.meta.url);',
  },
});

// npm links the bin for dependents, but `npx vco-events` in this checkout runs the file as is.
chmodSync("dist/bin/cli.js", 0o755);
