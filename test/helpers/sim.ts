import { after } from "node:test";
import { Simulator, type SimulatorOptions } from "../../src/simulator/server.js";

export const TOKEN = "test-token-4f1c9a";
export const PASSWORD = "s3cret-pa55word";
export const USER = "admin@acme.example";

export interface SimCredentials {
  token: string;
  username: string;
  password: string;
}

/** One customer enterprise (id 1) reachable with a token and a password user; not started yet. */
export function customerSim(
  options: SimulatorOptions = {},
  name = "ACME Corp",
  creds: SimCredentials = { token: TOKEN, username: USER, password: PASSWORD },
): Simulator {
  const sim = new Simulator(options);
  sim.addEnterprise(1, name);
  sim.addToken(creds.token, { type: "customer", enterpriseId: 1 });
  sim.addUser({
    username: creds.username,
    password: creds.password,
    principal: { type: "customer", enterpriseId: 1 },
  });
  return sim;
}

/** customerSim, started, and stopped when the test file ends. */
export async function startSim(
  options: SimulatorOptions = {},
  name = "ACME Corp",
): Promise<Simulator> {
  const sim = customerSim(options, name);
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
