// Stopping is immediate: a SIGTERM or SIGINT during any wait (a 429 penalty with a long
// Retry-After, a backoff, a reply that is slow to come) ends the run within a second, at a safe
// point, with nothing lost: the next run completes the exact set.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Simulator } from "../../src/simulator/server.js";
import {
  assertExactSet,
  EVENTS,
  fetch,
  HOUR,
  logLines,
  simFixture,
  spawnCli,
  waitFor,
} from "../helpers/kit.js";

interface Case {
  wait: string;
  /** Makes the simulator put the run into a long wait after its first slices. */
  trouble: (sim: Simulator) => void;
  /** Whether the run is in that wait, from its log lines or the simulator. */
  waiting: (log: Array<Record<string, unknown>>, sim: Simulator) => boolean;
}

const retrying = (min: number) => (log: Array<Record<string, unknown>>) =>
  log.some((l) => l.event === "retrying" && Number(l.retryInMs) >= min);

const CASES: Case[] = [
  {
    wait: "a 429 penalty with a 60 s Retry-After",
    trouble: (sim) => {
      sim.options.retryAfterHeader = true;
      sim.limiter.options.penaltyMs = 60_000;
      sim.faults.rateLimited = 1;
    },
    waiting: retrying(50_000),
  },
  {
    wait: "an exponential backoff of several seconds",
    trouble: (sim) => {
      sim.faults.unavailable = 1;
    },
    waiting: retrying(3_000),
  },
  {
    wait: "a reply that takes a minute",
    trouble: (sim) => {
      sim.enterpriseTrouble.set(1, { delayMs: 60_000 });
    },
    // The slow request is under way once the simulator holds it.
    waiting: (_log, sim) => sim.inFlight > 0,
  },
];

describe("a stop request ends any wait within a second", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    for (const c of CASES) {
      it(`${signal} during ${c.wait}`, async () => {
        const { sim, store, env, file } = await simFixture({
          events: { count: 3_000, oldest: 2 * HOUR },
          env: { VCO_RETRY_BUDGET: "10m", VCO_REQUEST_TIMEOUT: "5m" },
        });
        // The trouble starts with the first events request, after the enterprise listing.
        let troubled = false;
        sim.onRequest = (method) => {
          if (method === EVENTS) {
            sim.onRequest = undefined;
            troubled = true;
            c.trouble(sim);
          }
        };
        const { child, done, stdout } = spawnCli(["fetch"], env);
        await waitFor(
          `the run to be waiting on ${c.wait}`,
          () => troubled && c.waiting(logLines(stdout()), sim),
          20_000,
        );
        const t0 = Date.now();
        child.kill(signal);
        const r = await done;
        const took = Date.now() - t0;
        assert.ok(took < 1_000, `exited ${took} ms after ${signal}`);
        assert.equal(r.code, 75, r.stderr);
        assert.match(r.stderr, /stopped on request at a safe point/);

        // Nothing lost: with the trouble gone, the next run brings the rest, each event once.
        sim.faults.rateLimited = 0;
        sim.faults.unavailable = 0;
        sim.limiter.options.penaltyMs = 1;
        sim.enterpriseTrouble.clear();
        await new Promise((r) => setTimeout(r, 5));
        const again = await fetch(env);
        assert.equal(again.code, 0, again.stderr);
        assertExactSet([file], store.all());
      });
    }
  }
});
