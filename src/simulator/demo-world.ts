import { Simulator, type SimulatorOptions } from "./server.js";

export const DEMO_TOKEN = "demo-token-not-a-secret";
export const DEMO_USER = { username: "admin@acme.example", password: "demo-password" };

const DAY = 24 * 3_600_000;
/** The partner's enterprises, each with a quarter of ACME's backlog. */
const PARTNER_ENTERPRISES = [
  [102, "Globex Retail"],
  [103, "Initech / Branches"],
] as const;

/** The events a demo world with this backlog holds in all. */
export const demoEventCount = (backlog: number): number =>
  backlog + PARTNER_ENTERPRISES.length * Math.ceil(backlog / 4);

/**
 * A small, realistic orchestrator: one customer enterprise with a day of events, reachable with
 * a token or a password; plus a partner and an operator with a few more enterprises.
 */
export function demoSimulator(backlog: number, options: SimulatorOptions = {}): Simulator {
  const sim = new Simulator(options);
  const now = sim.now();
  const acme = sim.addEnterprise(101, "ACME Corp");
  // A day of events that a first fetch (VCO_LOOKBACK, 24h by default) reaches all of.
  acme.store.addSpread(backlog, now - DAY + 60_000, now - 60_000);
  for (const [id, name] of PARTNER_ENTERPRISES) {
    sim
      .addEnterprise(id, name, 7)
      .store.addSpread(Math.ceil(backlog / 4), now - DAY + 60_000, now - 60_000);
  }
  // The partner's own events (its administrators) and the operator's (gateways), for VCO_STREAMS
  // with the partner and operator tokens; a customer fetch never reads them.
  sim.partnerEvents(7).addSpread(Math.ceil(backlog / 20), now - DAY + 60_000, now - 60_000);
  sim.operatorStore.addSpread(Math.ceil(backlog / 10), now - DAY + 60_000, now - 60_000);
  sim.addToken(DEMO_TOKEN, { type: "customer", enterpriseId: 101 });
  sim.addToken("demo-partner-token", { type: "partner", proxyId: 7 });
  sim.addToken("demo-operator-token", { type: "operator" });
  sim.addUser({ ...DEMO_USER, principal: { type: "customer", enterpriseId: 101 } });
  sim.addUser({
    username: "operator@vco.example",
    password: "demo-password",
    principal: { type: "operator" },
  });
  return sim;
}
