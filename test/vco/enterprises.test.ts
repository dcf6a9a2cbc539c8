import assert from "node:assert/strict";
import { it } from "node:test";
import { AuthError, ResponseShapeError } from "../../src/errors.js";
import { Simulator } from "../../src/simulator/server.js";
import { discoverPrincipal } from "../../src/vco/enterprises.js";
import { clientFor, FakeClock } from "../helpers/kit.js";

async function world() {
  const sim = new Simulator();
  sim.addEnterprise(1, "A", 7);
  sim.addEnterprise(2, "B", 7);
  sim.addEnterprise(3, "C", 8);
  sim.addToken("customer", { type: "customer", enterpriseId: 2 });
  sim.addToken("partner", { type: "partner", proxyId: 7 });
  sim.addToken("empty-partner", { type: "partner", proxyId: 99 });
  sim.addToken("operator", { type: "operator" });
  await sim.start();
  return sim;
}

const client = (sim: Simulator, token: string) =>
  clientFor(sim, new FakeClock(), {
    credentials: { kind: "token", token },
    timeoutMs: 2000,
    maxInFlight: 2,
    retryBudgetMs: 10_000,
  });

it("finds out what kind of principal a token belongs to, and what it sees", async (t) => {
  const sim = await world();
  t.after(() => sim.stop());
  const ids = (r: { enterprises: Array<{ id: number }> }) => r.enterprises.map((e) => e.id);
  const c = await discoverPrincipal(client(sim, "customer"), false);
  assert.equal(c.principal, "customer");
  assert.deepEqual(ids(c), [2]);
  const p = await discoverPrincipal(client(sim, "partner"), false);
  assert.equal(p.principal, "partner");
  assert.deepEqual(ids(p), [1, 2]);
  const o = await discoverPrincipal(client(sim, "operator"), false);
  assert.equal(o.principal, "operator");
  assert.deepEqual(ids(o), [1, 2, 3]);
  await assert.rejects(
    discoverPrincipal(client(sim, "empty-partner"), false),
    (e: unknown) => e instanceof ResponseShapeError && /sees no enterprises/.test(e.message),
  );
  await assert.rejects(discoverPrincipal(client(sim, "bad"), false), AuthError);
});
