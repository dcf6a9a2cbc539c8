// Several orchestrators named by VCO_CONFIG, fetched by one process of the built CLI against
// several simulators at once.
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, it } from "node:test";
import {
  assertOneLineError,
  assertSameKeys,
  eventsFile,
  HOUR,
  logLines,
  OPERATOR_USER,
  runCli,
  startOperatorSim,
  startVco,
  spawnCli,
  statePath,
  tempDir,
  waitFor,
} from "../helpers/kit.js";
import { writeConfigIn } from "../helpers/config-file.js";

const EMEA_TOKEN = "emea-token-5b7e0c";
const EVENTS = "event/getEnterpriseEvents";
const US_TOKEN = "us-token-91ad3f";

/** A loopback port nothing listens on: the orchestrator that is down. */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const cli = (args: string[], env: Record<string, string>) => runCli(args, env);

describe("several orchestrators in one process (VCO_CONFIG)", () => {
  it("fetches each into its own subtree, exactly its events, and names the orchestrator in every log line", async () => {
    // The same enterprise id and name on two orchestrators: they must not meet.
    const emea = await startVco(EMEA_TOKEN, [
      [1, "Alpha", 60],
      [2, "Beta", 70],
    ]);
    const us = await startVco(US_TOKEN, [
      [1, "Alpha", 40],
      [5, "Delta", 80],
    ]);
    const dir = tempDir();
    const file = writeConfigIn(
      dir,
      `dataDir: data
orchestrators:
  - name: emea
    hostname: ${emea.baseUrl}
    token: \${EMEA_TOKEN}
  - name: us
    hostname: ${us.baseUrl}
    username: \${US_USER}
    password: \${US_PASSWORD}
    loginType: operator
    enterpriseIds: [5]
`,
    );
    const env = {
      VCO_CONFIG: file,
      EMEA_TOKEN,
      US_USER: OPERATOR_USER.username,
      US_PASSWORD: OPERATOR_USER.password,
      LOG_LEVEL: "trace",
      // Left over from a single-orchestrator setup: ignored, with a warning.
      VCO_HOSTNAME: "old.example.com",
      VCO_TOKEN: "old-token",
    };
    const r = await cli(["fetch", "--since", "2h"], env);
    assert.equal(r.code, 0, r.stderr);
    const data = path.join(dir, "data");
    assert.deepEqual(fs.readdirSync(data).sort(), ["emea", "us"], "nothing but the subtrees");
    assertSameKeys(path.join(data, "emea"), emea, [
      [1, "Alpha"],
      [2, "Beta"],
    ]);
    assertSameKeys(path.join(data, "us"), us, [[5, "Delta"]]);
    assert.ok(!fs.existsSync(eventsFile(path.join(data, "us"), "Alpha")), "only enterpriseIds");
    for (const name of ["emea", "us"]) {
      assert.ok(
        fs.existsSync(statePath(path.join(data, name), "enterprise-1.json")) || name === "us",
      );
      assert.ok(fs.existsSync(statePath(path.join(data, name))), `${name} has its own .state`);
    }

    const lines = logLines(r.stdout);
    assert.ok(lines.length > 10);
    const ignored = lines.find((l) => l.event === "variables-ignored");
    assert.deepEqual(ignored?.variables, ["VCO_HOSTNAME", "VCO_TOKEN"]);
    for (const line of lines) {
      if (line.event === "orchestrators-finished" || line === ignored) continue;
      assert.ok(
        line.orchestrator === "emea" || line.orchestrator === "us",
        `names its orchestrator: ${JSON.stringify(line)}`,
      );
    }
    const finished = lines.filter((l) => l.event === "run-finished");
    assert.deepEqual(finished.map((l) => l.orchestrator).sort(), ["emea", "us"]);
    for (const secret of [EMEA_TOKEN, OPERATOR_USER.password, "old-token"]) {
      assert.ok(!(r.stdout + r.stderr).includes(secret), "no secret in any output at trace level");
    }

    // A quiet run adds nothing; status groups by orchestrator.
    const again = await cli(["fetch"], env);
    assert.equal(again.code, 0, again.stderr);
    assertSameKeys(path.join(data, "emea"), emea, [
      [1, "Alpha"],
      [2, "Beta"],
    ]);
    const status = await cli(["status", "--json"], { VCO_CONFIG: file });
    assert.equal(status.code, 0, status.stderr);
    const doc = JSON.parse(status.stdout) as {
      dataDir: string;
      orchestrators: Array<{
        name: string;
        dataDir: string;
        enterprises: Array<{ enterpriseId: number }>;
      }>;
    };
    assert.equal(doc.dataDir, data);
    assert.deepEqual(
      doc.orchestrators.map((o) => [
        o.name,
        o.dataDir,
        o.enterprises.map((e) => e.enterpriseId).sort(),
      ]),
      [
        ["emea", path.join(data, "emea"), [1, 2]],
        ["us", path.join(data, "us"), [5]],
      ],
    );
    const healthy = await cli(["status", "--max-age", "1h"], { VCO_CONFIG: file });
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.match(healthy.stdout, /== emea\n[\s\S]*== us\n/);

    // check walks each orchestrator in turn.
    const check = await cli(["check", "--json", "--config", file], env);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const report = JSON.parse(check.stdout) as {
      ok: boolean;
      orchestrators: Array<{
        name: string;
        ok: boolean;
        steps: Array<{ step: string; status: string }>;
      }>;
    };
    assert.deepEqual(
      report.orchestrators.map((o) => [
        o.name,
        o.ok,
        o.steps.find((s) => s.step === "events")?.status,
      ]),
      [
        ["emea", true, "pass"],
        ["us", true, "pass"],
      ],
    );
    const text = await cli(["check", "--config", file], env);
    assert.equal(text.code, 0, text.stdout);
    assert.match(text.stdout, /== emea \(http:\/\/127\.0\.0\.1:\d+\)\n(.+\n){9}\n== us /);
    for (const secret of [EMEA_TOKEN, OPERATOR_USER.password]) {
      assert.ok(!(check.stdout + text.stdout + status.stdout).includes(secret));
    }
  });

  it("one orchestrator down, one refusing the token: the others complete, the most serious exit wins", async () => {
    const emea = await startVco(EMEA_TOKEN, [[1, "Alpha", 60]]);
    const us = await startVco(US_TOKEN, [[3, "Gamma", 30]]);
    const dir = tempDir();
    const file = writeConfigIn(
      dir,
      `orchestrators:
  - { name: emea, hostname: "${emea.baseUrl}", token: "\${EMEA_TOKEN}" }
  - { name: down, hostname: "http://127.0.0.1:${await refusedPort()}", token: "\${EMEA_TOKEN}" }
  - { name: refused, hostname: "${us.baseUrl}", token: wrong-token }
  - { name: us, hostname: "${us.baseUrl}", token: "\${US_TOKEN}" }
`,
    );
    const env = {
      VCO_CONFIG: file,
      VCO_DATA_DIR: path.join(dir, "out"),
      EMEA_TOKEN,
      US_TOKEN,
      VCO_RETRY_BUDGET: "2s",
    };
    const r = await cli(["fetch", "--since", "2h"], env);
    assert.equal(
      r.code,
      77,
      `the refused token (77) is more serious than the outage:\n${r.stderr}`,
    );
    assertSameKeys(path.join(dir, "out", "emea"), emea, [[1, "Alpha"]]);
    assertSameKeys(path.join(dir, "out", "us"), us, [[3, "Gamma"]]);
    assertOneLineError(r, /^vco-events fetch: down: .+; refused: .+$/m);
    const failed = logLines(r.stdout).filter((l) => l.event === "orchestrator-failed");
    assert.deepEqual(failed.map((l) => l.orchestrator).sort(), ["down", "refused"]);
    assert.ok(!r.stdout.includes("wrong-token") && !r.stderr.includes("wrong-token"));
    const status = await cli(["status", "--max-age", "1h"], env);
    assert.equal(status.code, 75, "the healthcheck sees the orchestrators that never worked");
    assert.match(status.stderr, /down: no successful run yet.*refused: no successful run yet/);
  });

  it("a bad file: every problem at once with its path, exit 78, nothing written", async () => {
    const dir = tempDir();
    const file = writeConfigIn(
      dir,
      `orchestrators:
  - name: emea
    hostname: vco.example.com
    token: \${EMEA_TOKEN}
    streams: [enterprise, partners]
  - name: us
    username: u
    tokne: t
`,
    );
    const r = await cli(["fetch"], { VCO_CONFIG: file, VCO_DATA_DIR: path.join(dir, "out") });
    assert.equal(r.code, 78);
    assertOneLineError(r, /configuration file .*vco\.yaml: /);
    for (const part of [
      "orchestrators[0].token: ${EMEA_TOKEN} is not set",
      "orchestrators[0].streams[1]: must be one of enterprise, partner, operator",
      "orchestrators[1].hostname: is required",
      "orchestrators[1].tokne: unknown key",
    ]) {
      assert.ok(r.stderr.includes(part), `${part} in ${r.stderr}`);
    }
    assert.ok(!fs.existsSync(path.join(dir, "out")), "nothing written");
    const check = await cli(["check", "--config", file], {});
    assert.equal(check.code, 78);
    assert.match(
      check.stdout,
      /^FAIL +config +configuration file .*orchestrators\[1\]\.tokne: unknown key/m,
    );
  });

  it("check warns about a literal secret in a file others can read, without showing it", async () => {
    const emea = await startVco(EMEA_TOKEN, [[1, "Alpha", 5]]);
    const dir = tempDir();
    const file = writeConfigIn(
      dir,
      `orchestrators:\n  - { name: emea, hostname: "${emea.baseUrl}", token: ${EMEA_TOKEN} }\n`,
      0o644,
    );
    const r = await cli(["check", "--config", file, "--data-dir", dir], {});
    assert.equal(r.code, 0, r.stdout);
    assert.match(
      r.stdout,
      /^warn +config +.*orchestrators\[0\]\.token is a secret written into .*which group or others can read -> fix: .*chmod 600/m,
    );
    assert.ok(!r.stdout.includes(EMEA_TOKEN));
    fs.chmodSync(file, 0o600);
    const quiet = await cli(["check", "--config", file, "--data-dir", dir], {});
    assert.match(quiet.stdout, /^ok +config /m);
  });

  it("the scheduler (the container's main process) hands VCO_CONFIG to its fetch jobs", async () => {
    const emea = await startVco(EMEA_TOKEN, [[1, "Alpha", 20]]);
    const us = await startVco(US_TOKEN, [[2, "Beta", 30]]);
    const dir = tempDir();
    const file = writeConfigIn(
      dir,
      `orchestrators:
  - { name: emea, hostname: "${emea.baseUrl}", token: "\${EMEA_TOKEN}" }
  - { name: us, hostname: "${us.baseUrl}", token: "\${US_TOKEN}" }
`,
    );
    const env = {
      VCO_CONFIG: file,
      VCO_DATA_DIR: path.join(dir, "out"),
      EMEA_TOKEN,
      US_TOKEN,
      VCO_SCHEDULE: "0 0 1 1 *",
      VCO_RUN_ON_START: "true",
    };
    const { child, done, stdout } = spawnCli(["schedule"], env, dir);
    await waitFor("the first run", () => stdout().includes('"job-finished"'), 20_000);
    child.kill("SIGTERM");
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assertSameKeys(path.join(dir, "out", "emea"), emea, [[1, "Alpha"]]);
    assertSameKeys(path.join(dir, "out", "us"), us, [[2, "Beta"]]);
  });

  it("VCO_TOTAL_IN_FLIGHT bounds requests across orchestrators, on top of VCO_MAX_IN_FLIGHT", async () => {
    const latencyMs = 150;
    const slow = { latencyMs, latencyMethods: [EVENTS] };
    const four = [1, 2, 3, 4].map((id) => ({
      id,
      name: `E${id}`,
      events: { count: 3, oldest: HOUR },
    }));
    const sims = [await startOperatorSim(four, slow), await startOperatorSim(four, slow)];
    for (const sim of sims) sim.addToken(EMEA_TOKEN, { type: "operator" });
    const dir = tempDir();
    const file = writeConfigIn(
      dir,
      `orchestrators:\n${sims.map((s, i) => `  - { name: v${i}, hostname: "${s.baseUrl}", token: "\${T}" }`).join("\n")}\n`,
    );
    const r = await cli(["fetch", "--since", "2h"], {
      VCO_CONFIG: file,
      VCO_DATA_DIR: path.join(dir, "out"),
      T: EMEA_TOKEN,
      VCO_MAX_IN_FLIGHT: "3",
      VCO_TOTAL_IN_FLIGHT: "1",
    });
    assert.equal(r.code, 0, r.stderr);
    // One events request at a time over both simulators: the replies are at least latencyMs apart.
    const replies = sims
      .flatMap((s) => s.log.filter((l) => l.method === EVENTS).map((l) => l.at))
      .sort((a, b) => a - b);
    assert.equal(replies.length, 8, "one events request per enterprise");
    assert.ok(
      replies.at(-1)! - replies[0]! >= (replies.length - 1) * latencyMs - 20,
      `serialised: ${replies.map((t) => t - replies[0]!).join(", ")} ms`,
    );
  });
});
