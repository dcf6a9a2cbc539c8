// Faults ridden through within one run: 429 (with and without Retry-After), 5xx with HTML bodies,
// resets, replies cut off halfway, servers that never answer, expired sessions; and a bounded
// give-up (exit 75) that keeps what was committed for the next run.
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { DEFAULTS } from "../../src/config.js";
import type { Simulator } from "../../src/simulator/server.js";
import { parseDuration } from "../../src/time.js";
import { RATE_LIMIT_PENALTY_MS } from "../../src/vco/retry.js";
import {
  assertExactSet,
  EVENTS,
  eventsFile,
  eventsUpTo,
  fetch,
  HOUR,
  keyOf,
  logLines,
  operatorEnv,
  passwordEnv,
  readLines,
  readState,
  requestsOf,
  type SavedState,
  simFixture,
  startOperatorSim,
  tempDir,
  TOKEN,
} from "../helpers/kit.js";

/** Reasons of the client's "retrying" warnings. */
const retryReasons = (stdout: string) =>
  logLines(stdout)
    .filter((l) => l.event === "retrying")
    .map((l) => String(l.reason));

/** Gap between the first faulted events request and the next events request, in ms. */
function gapAfterFault(sim: Simulator): number {
  const reqs = requestsOf(sim);
  const i = reqs.findIndex((l) => l.fault !== undefined);
  assert.ok(i >= 0 && reqs[i + 1], "a faulted request and a retry after it");
  return reqs[i + 1]!.at - reqs[i]!.at;
}

/**
 * Whether the run has written events yet: trouble that starts at the next request then comes in
 * the middle of the run, with something to keep. (Slices are walked several at once and a later
 * one may finish first, so a request count says little about what has been written.)
 */
const wroteEvents = (file: string) => (fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) > 0;

/** Slack for a wait measured between two instants: timers and clocks tick in whole ms. */
const TICK_MS = 100;

describe("faults are ridden through within one run", () => {
  it("HTTP 429 without Retry-After: waits the documented 5 s, then carries on", async () => {
    const { sim, store, env, file } = await simFixture({
      events: { count: 3000, oldest: HOUR },
      script: ["rateLimited"],
    });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([file], store.all());
    assert.equal(sim.log.filter((l) => l.status === 429).length, 1);
    const gap = gapAfterFault(sim);
    // The penalty once: not less, and short of a second penalty.
    assert.ok(
      gap >= RATE_LIMIT_PENALTY_MS - TICK_MS && gap < 2 * RATE_LIMIT_PENALTY_MS,
      `waited ${gap} ms after a bare 429`,
    );
    assert.deepEqual(retryReasons(r.stdout), ["HTTP 429 rate limited"]);
  });

  it("HTTP 429 with Retry-After: honours the header instead of the default", async () => {
    const penaltyMs = 2_000;
    const { sim, store, env, file } = await simFixture({
      options: { retryAfterHeader: true, rateLimit: { penaltyMs } },
      events: { count: 3000, oldest: HOUR },
      script: ["rateLimited"],
    });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([file], store.all());
    const gap = gapAfterFault(sim);
    // The header's 2 s: not less, and short of the 5 s default it must not fall back to.
    assert.ok(
      gap >= penaltyMs - TICK_MS && gap < RATE_LIMIT_PENALTY_MS,
      `waited ${gap} ms after "Retry-After: 2"`,
    );
  });

  it("keeps at most a handful of requests in flight per VCO, across all enterprises", async () => {
    // The VCO allows 3 concurrent requests per client and answers 429 beyond that; each call
    // takes 25 ms. Six enterprises, four of them at a time, must never trip the limit.
    const enterprises = [1, 2, 3, 4, 5, 6].map((id) => ({
      id,
      name: `E${id}`,
      events: { count: 4000 + id, oldest: HOUR },
    }));
    const sim = await startOperatorSim(enterprises, {
      latencyMs: 25,
      rateLimit: { maxConcurrent: 3, penaltyMs: 5_000 },
    });
    const dir = tempDir();
    const r = await fetch(
      operatorEnv(sim, dir, { VCO_ENTERPRISE_CONCURRENCY: "6" }),
      "--since",
      "2h",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sim.log.filter((l) => l.status === 429).length, 0, "never rate limited");
    assert.ok(sim.peakInFlight <= 3, `at most 3 in flight, saw ${sim.peakInFlight}`);
    assert.ok(sim.peakInFlight >= 2, "enterprises were fetched side by side");
    for (const { id, name } of enterprises) {
      assertExactSet([eventsFile(dir, name)], sim.enterprises.get(id)!.store.all());
    }
  });

  it("HTTP 500, 502 and 503 (HTML bodies from a proxy): retried with backoff", async () => {
    const { sim, store, env, file } = await simFixture({
      events: { count: 10_000, oldest: HOUR },
      // Each fault on a different call, so the backoff stays at its first step.
      script: ["serverError", null, "badGateway", null, "unavailable"],
    });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([file], store.all());
    const reasons = retryReasons(r.stdout);
    assert.equal(reasons.length, 3, reasons.join("; "));
    assert.match(reasons[0]!, /HTTP 500/);
    assert.match(reasons[1]!, /HTTP 502/);
    assert.match(reasons[2]!, /HTTP 503/);
    assert.deepEqual(
      sim.log.filter((l) => l.fault).map((l) => l.status),
      [500, 502, 503],
    );
  });

  it("connection resets, replies cut off halfway, and a server that never answers", async () => {
    const requestTimeout = "1s";
    const { sim, store, env, file } = await simFixture({
      events: { count: 10_000, oldest: HOUR },
      script: ["reset", null, "truncate", null, "hang"],
      env: { VCO_REQUEST_TIMEOUT: requestTimeout },
    });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([file], store.all());
    const reasons = retryReasons(r.stdout);
    assert.equal(reasons.length, 3, reasons.join("; "));
    assert.match(reasons[2]!, /no reply in time/);
    // The hung request was given up after VCO_REQUEST_TIMEOUT (its "retrying" line came that long
    // after the simulator got it), long before the default timeout would have ended it.
    const hungAt = sim.log.find((l) => l.fault === "hang")!.at;
    const retry = logLines(r.stdout).find((l) => /no reply in time/.test(String(l.reason)))!;
    const waited = Date.parse(String(retry.time)) - hungAt;
    const timeoutMs = parseDuration(requestTimeout)!;
    assert.ok(
      waited >= timeoutMs - TICK_MS && waited < parseDuration(DEFAULTS.requestTimeout)!,
      `the hung request was timed out, not waited on (after ${waited} ms)`,
    );
  });
});

describe("sessions and credentials that stop working mid-run", () => {
  it("an expired session (HTTP 200 tokenError) mid-run: logs in again and carries on", async () => {
    const { sim, store, dir, file } = await simFixture({
      events: { count: 30_000, oldest: 6 * HOUR },
    });
    let events = 0;
    sim.onRequest = (method) => {
      if (method === EVENTS && ++events === 4) sim.expireSessions();
    };
    const r = await fetch(passwordEnv(sim, dir), "--since", "7h");
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([file], store.all());
    assert.equal(sim.count("login/enterpriseLogin"), 2, "logged in again once");
    assert.ok(
      logLines(r.stdout).some((l) => l.event === "session-expired"),
      "said so in the log",
    );
  });

  it("a token that stops working mid-run: exit 77 saying so; committed slices stay", async () => {
    const { sim, store, dir, env, file } = await simFixture({
      events: { count: 40_000, oldest: 6 * HOUR },
    });
    sim.onRequest = (method) => {
      if (method === EVENTS && wroteEvents(file)) sim.tokens.delete(TOKEN);
    };
    const r = await fetch(env, "--since", "7h");
    assert.equal(r.code, 77, r.stderr);
    assert.match(r.stderr, /API token \(invalid or expired\)/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    const state = readState(dir)!;
    assertCommitted(file, state, store.all());

    sim.addToken(TOKEN, { type: "customer", enterpriseId: 1 });
    sim.onRequest = undefined;
    const again = await fetch(env);
    assert.equal(again.code, 0, again.stderr);
    assertExactSet([file], store.all());
  });
});

/** The file holds exactly the events up to the committed cursor, and the cursor moved. */
function assertCommitted(
  file: string,
  state: SavedState,
  all: Array<Record<string, unknown>>,
): number {
  assert.ok(state.cursor !== null, "at least one slice was committed");
  const upTo = eventsUpTo(all, state.cursor);
  assert.ok(upTo.length > 0 && upTo.length < all.length, `${upTo.length} of ${all.length}`);
  assertExactSet([file], upTo);
  return upTo.length;
}

describe("giving up", () => {
  it("after a bounded time: exit 75, what was written stays committed, the next run resumes", async () => {
    const budget = "3s";
    const { sim, store, dir, env, file } = await simFixture({
      events: { count: 50_000, oldest: 6 * HOUR },
      env: { VCO_RETRY_BUDGET: budget },
    });
    sim.onRequest = (method) => {
      if (method === EVENTS && wroteEvents(file)) sim.faults = { ...sim.faults, unavailable: 1 };
    };
    sim.faultMethods = [EVENTS];
    const r = await fetch(env, "--since", "7h");
    assert.equal(r.code, 75, r.stderr);
    assert.match(r.stderr, /gave up on event\/getEnterpriseEvents .*HTTP 503.*next run resumes/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    // The time the failing call took, as the run measured it (whole seconds): within the budget.
    const spent = Number(/ after \d+ attempts in (\d+)s /.exec(r.stderr)?.[1]) * 1000;
    assert.ok(spent <= parseDuration(budget)!, `gave up within the budget (${spent} ms)`);
    const committed = assertCommitted(file, readState(dir)!, store.all());

    sim.faults = { ...sim.faults, unavailable: 0 };
    sim.onRequest = undefined;
    const again = await fetch(env);
    assert.equal(again.code, 0, again.stderr);
    assertExactSet([file], store.all());
    const summary = logLines(again.stdout).find((l) => typeof l.written === "number");
    assert.equal(summary?.written, store.all().length - committed, "resumed, did not restart");
    assert.equal(readLines(file).map(keyOf).length, 50_000);
  });
});
