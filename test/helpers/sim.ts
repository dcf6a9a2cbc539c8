import { after } from "node:test";
import { Simulator, type SimulatorOptions } from "../../src/simulator/server.js";

export const TOKEN = "test-token-4f1c9a";
export const PASSWORD = "s3cret-pa55word";
export const USER = "admin@acme.example";

/** A simulator with one customer enterprise (id 1, "ACME Corp"), a token and a password user. */
export async function startSim(
  options: SimulatorOptions = {},
  name = "ACME Corp",
): Promise<Simulator> {
  const sim = new Simulator(options);
  sim.addEnterprise(1, name);
  sim.addToken(TOKEN, { type: "customer", enterpriseId: 1 });
  sim.addUser({
    username: USER,
    password: PASSWORD,
    principal: { type: "customer", enterpriseId: 1 },
  });
  await sim.start();
  after(() => sim.stop());
  return sim;
}

export function envFor(
  sim: Simulator,
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { VCO_HOSTNAME: sim.baseUrl, VCO_TOKEN: TOKEN, VCO_DATA_DIR: dataDir, ...extra };
}
