// Fail fast where waiting cannot help, ride out what is temporary. A host that does not resolve or
// answers 404 on the API path is a setup error until the setup has worked once (exit 78 within
// seconds); after that, the same failure is an outage, retried within the budget (exit 75).
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { parseDuration } from "../../src/time.js";
import {
  assertOneLineError,
  fetch,
  leastTimeToGiveUp,
  logLines,
  statePath,
  tempDir,
  TOKEN,
} from "../helpers/kit.js";

/** A web server that is not an orchestrator: 404 for every path, as a wrong host would answer. */
async function notAnOrchestrator(): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(404, { "Content-Type": "text/html" }).end("<h1>Not Found</h1>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A data dir in which fetch has worked against `vco` before (what a successful run leaves). */
function workedBefore(vco: string): string {
  const dir = tempDir();
  fs.mkdirSync(statePath(dir), { recursive: true, mode: 0o700 });
  fs.writeFileSync(
    statePath(dir, "orchestrator.json"),
    JSON.stringify({ version: 1, vco, workedAt: "2026-01-01T00:00:00.000Z", clock: null }),
  );
  return dir;
}

const env = (vco: string, dir: string, retryBudget = "4s") => ({
  VCO_HOSTNAME: vco,
  VCO_TOKEN: TOKEN,
  VCO_DATA_DIR: dir,
  VCO_RETRY_BUDGET: retryBudget,
});

const CASES = [
  {
    what: "a host name that does not resolve",
    vco: async () => "https://vco.no-such-host.invalid",
    message: /does not resolve.*VCO_HOSTNAME/,
  },
  {
    what: "a host that answers 404 on the API path",
    vco: notAnOrchestrator,
    message: /not a VeloCloud Orchestrator.*VCO_HOSTNAME/,
  },
];

describe("setup errors fail fast; outages of a working setup are ridden out", () => {
  for (const c of CASES) {
    it(`${c.what}, on a setup that never worked: exit 78 in seconds, one line`, async () => {
      const vco = await c.vco();
      const budget = "10s";
      const t0 = Date.now();
      const r = await fetch(env(vco, tempDir(), budget));
      const took = Date.now() - t0;
      assert.equal(r.code, 78, r.stderr);
      assertOneLineError(r, c.message);
      // No retries at all: a retried call would first wait out a backoff of at least 400 ms.
      assert.equal(logLines(r.stdout).filter((l) => l.event === "retrying").length, 0);
      // Sooner than the same failure, retried, could give up under this budget: the backoff steps
      // that always fit 10 s take 6 s at the least.
      assert.ok(took < leastTimeToGiveUp(parseDuration(budget)!), `took ${took} ms`);
    });

    it(`${c.what}, on a setup that has worked before: retried, then exit 75`, async () => {
      const vco = await c.vco();
      const r = await fetch(env(vco, workedBefore(vco)));
      assert.equal(r.code, 75, r.stderr);
      assertOneLineError(r, /gave up .* the next run resumes/);
      assert.ok(logLines(r.stdout).filter((l) => l.event === "retrying").length >= 2, r.stdout);
    });
  }
});
