import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import type { Credentials } from "../../src/config.js";
import { AuthError, GaveUpError, StoppedError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";
import type { Simulator } from "../../src/simulator/server.js";
import { eventPages } from "../../src/vco/events.js";
import { enterpriseSchema } from "../../src/vco/schemas.js";
import {
  clientFor,
  type FakeClock,
  HOUR,
  PASSWORD,
  startSimOnFakeClock,
  TOKEN,
  USER,
} from "../helpers/kit.js";

/** Collects log output so tests can read it (and look for secrets in it). */
function memoryLog() {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { logger: createLogger("trace", stream), text: () => text };
}

function client(
  sim: Simulator,
  clock: FakeClock,
  credentials: Credentials = { kind: "token", token: TOKEN },
  budgetMs = 120_000,
  timeoutMs = 2000,
) {
  const log = memoryLog();
  const c = clientFor(sim, clock, {
    credentials,
    retryBudgetMs: budgetMs,
    timeoutMs,
    logger: log.logger,
    random: () => 0.5,
  });
  return { c, log };
}

const password: Credentials = {
  kind: "password",
  username: USER,
  password: PASSWORD,
  loginType: "enterprise",
};

describe("VcoClient against the simulator", () => {
  it("sends the token and validates the reply", async () => {
    const { clock, sim } = await startSimOnFakeClock();
    const { c } = client(sim, clock);
    const e = await c.call("enterprise/getEnterprise", {}, enterpriseSchema);
    assert.equal(e.id, 1);
    assert.equal(e.name, "ACME Corp");
  });

  it("treats an HTTP 200 tokenError as an invalid token, and never logs the token", async () => {
    const { clock, sim } = await startSimOnFakeClock();
    const { c, log } = client(sim, clock, { kind: "token", token: "canary-token-XYZ" });
    await assert.rejects(c.call("enterprise/getEnterprise", {}, enterpriseSchema), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.match(e.message, /invalid or expired/);
      assert.ok(!JSON.stringify(e).includes("canary") && !String(e.stack).includes("canary"));
      return true;
    });
    assert.ok(!log.text().includes("canary"));
  });

  it("sits out a 429 for the documented 5 s, or for Retry-After when sent", async () => {
    for (const [retryAfterHeader, expected] of [
      [false, 5000],
      [true, 2000],
    ] as const) {
      const { clock, sim } = await startSimOnFakeClock({
        options: {
          retryAfterHeader,
          rateLimit: { requestsPerWindow: 1, windowMs: 2000, penaltyMs: 2000 },
        },
      });
      const { c } = client(sim, clock);
      await c.call("enterprise/getEnterprise", {}, enterpriseSchema);
      await c.call("enterprise/getEnterprise", {}, enterpriseSchema);
      assert.equal(sim.log.filter((l) => l.status === 429).length, 1);
      assert.deepEqual(clock.sleeps, [expected]);
    }
  });

  it("retries 5xx (with HTML bodies), resets and cut-off replies, with backoff", async () => {
    for (const fault of [
      "serverError",
      "badGateway",
      "unavailable",
      "reset",
      "truncate",
    ] as const) {
      const { clock, sim } = await startSimOnFakeClock();
      sim.faults = { ...sim.faults, [fault]: 1 };
      const { c } = client(sim, clock);
      const call = c.call("enterprise/getEnterprise", {}, enterpriseSchema);
      // Let a few attempts fail, then heal the server.
      while (clock.sleeps.length < 3) await new Promise((r) => setTimeout(r, 5));
      sim.faults = { ...sim.faults, [fault]: 0 };
      assert.equal((await call).id, 1, fault);
      assert.deepEqual(clock.sleeps.slice(0, 3), [500, 1000, 2000], fault);
    }
  });

  it("gives up after the retry budget with a temporary error", async () => {
    const { clock, sim } = await startSimOnFakeClock();
    sim.faults = { ...sim.faults, unavailable: 1 };
    const { c } = client(sim, clock, undefined, 20_000);
    await assert.rejects(c.call("enterprise/getEnterprise", {}, enterpriseSchema), (e: unknown) => {
      assert.ok(e instanceof GaveUpError);
      assert.match(e.message, /gave up .* HTTP 503.*next run resumes/);
      return true;
    });
    assert.ok(clock.now() - Date.parse("2024-05-01T12:00:00Z") <= 20_000);
  });

  // A server that never answers, and one that trickles a byte now and then: both time out.
  for (const [fault, timeoutMs, reason] of [
    ["hang", 200, /no reply in time/],
    ["trickle", 300, /no reply in time \(nothing complete within 300 ms\)/],
  ] as const) {
    it(`times out a reply that ${fault}s, and retries`, { timeout: 15_000 }, async () => {
      const { clock, sim } = await startSimOnFakeClock();
      sim.faults = { ...sim.faults, [fault]: 1 };
      const { c, log } = client(sim, clock, undefined, 60_000, timeoutMs);
      const call = c.call("enterprise/getEnterprise", {}, enterpriseSchema);
      while (clock.sleeps.length < 1) await new Promise((r) => setTimeout(r, 20));
      sim.faults = { ...sim.faults, [fault]: 0 };
      assert.equal((await call).id, 1);
      assert.match(log.text(), reason);
    });
  }

  it(
    "close() ends a request the VCO never answers, at once and not at its deadline",
    { timeout: 15_000 },
    async () => {
      const { clock, sim } = await startSimOnFakeClock();
      sim.faults = { ...sim.faults, hang: 1 };
      const { c } = client(sim, clock, undefined, 60_000, 60_000);
      const call = c.call("enterprise/getEnterprise", {}, enterpriseSchema);
      while (!sim.log.some((e) => e.fault === "hang")) await new Promise((r) => setTimeout(r, 20));
      c.close();
      await assert.rejects(call, StoppedError);
    },
  );

  it("logs in with a password, logs in again when the session expires, and logs out", async () => {
    const { clock, sim } = await startSimOnFakeClock();
    const { c, log } = client(sim, clock, password);
    await c.call("enterprise/getEnterprise", {}, enterpriseSchema);
    sim.expireSessions();
    await c.call("enterprise/getEnterprise", {}, enterpriseSchema);
    assert.equal(sim.count("login/enterpriseLogin"), 2);
    await c.logout();
    assert.equal(sim.count("logout"), 1);
    assert.ok(
      [...sim.sessions.values()].every((s) => s.expiresAt <= clock.now()),
      "no live session left",
    );
    const text = log.text();
    assert.ok(!text.includes(PASSWORD), "password never logged");
    for (const sid of sim.sessions.keys()) assert.ok(!text.includes(sid));
  });

  it("reports the VCO's reason for a failed login (HTTP 302 + velocloud.message)", async () => {
    const { clock, sim } = await startSimOnFakeClock();
    const { c } = client(sim, clock, { ...password, password: "wrong" } as Credentials);
    await assert.rejects(
      c.call("enterprise/getEnterprise", {}, enterpriseSchema),
      /login as admin@acme.example failed: Invalid username or password/,
    );
  });

  it("accepts a login that answers 302 with a session cookie", async () => {
    const { clock, sim } = await startSimOnFakeClock({ options: { loginSuccessStatus: 302 } });
    const { c } = client(sim, clock, password);
    assert.equal((await c.call("enterprise/getEnterprise", {}, enterpriseSchema)).id, 1);
  });

  it("turns a wrong-shaped reply into a shape error", async () => {
    const { clock, sim } = await startSimOnFakeClock();
    sim.faults = { ...sim.faults, wrongShape: 1 };
    const { c } = client(sim, clock);
    await assert.rejects(
      c.call("enterprise/getEnterprise", {}, enterpriseSchema),
      /unexpected reply from enterprise\/getEnterprise/,
    );
  });
});

describe("eventPages", () => {
  it("follows nextPageLink, newest first, until more is false", async () => {
    const { clock, sim } = await startSimOnFakeClock(
      { events: { count: 5000, oldest: HOUR } },
      Date.now(),
    );
    const { c, log } = client(sim, clock);
    const pages = [];
    for await (const p of eventPages(
      c,
      { source: 1, start: clock.now() - 7_200_000, end: clock.now() },
      log.logger,
    ))
      pages.push(p);
    assert.deepEqual(
      pages.map((p) => p.batch.count),
      [2048, 2048, 904],
    );
    assert.ok(pages[0]!.batch.time[0]! >= pages[2]!.batch.time[0]!, "newest first");
  });

  it("asks for no page the caller does not want, not even ahead", async () => {
    const { clock, sim } = await startSimOnFakeClock(
      { events: { count: 9000, oldest: HOUR } },
      Date.now(),
    );
    const { c, log } = client(sim, clock);
    const seen: number[] = [];
    const pages = [];
    for await (const p of eventPages(
      c,
      {
        source: 1,
        start: clock.now() - 7_200_000,
        end: clock.now(),
        wanted: (asked) => (seen.push(asked), asked < 2),
      },
      log.logger,
    ))
      pages.push(p);
    // A page asked for ahead and not wanted would reach the simulator within moments.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(pages.length, 2);
    assert.equal(pages[1]!.more, true, "the VCO had more; the caller stopped");
    assert.equal(sim.count("event/getEnterpriseEvents"), 2);
    assert.ok(seen.every((n) => n <= 2));
  });

  it("pages a legacy VCO by narrowing the interval, and warns where a second holds more than a page", async () => {
    const { clock, sim, store } = await startSimOnFakeClock(
      { options: { legacyPaging: true } },
      Date.now(),
    );
    const burst = Math.floor((clock.now() - 60_000) / 1000) * 1000;
    for (let i = 0; i < 2100; i++) store.add(burst);
    store.addSpread(3000, clock.now() - 3_600_000, burst - 1000);
    const { c, log } = client(sim, clock);
    const keys = new Set<string>();
    for await (const p of eventPages(
      c,
      { source: 1, start: clock.now() - 7_200_000, end: clock.now() },
      log.logger,
    )) {
      for (let i = 0; i < p.batch.count; i++) if (!p.batch.repeat?.[i]) keys.add(p.batch.key(i));
    }
    assert.equal(keys.size, 3000 + 2048, "everything but what no legacy client can reach");
    assert.match(log.text(), /more than one page of events in one second/);
  });
});
