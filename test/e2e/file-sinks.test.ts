// Sinks set in the configuration file (VCO_CONFIG): a global one and one per orchestrator, through
// the built CLI, against two simulators and the HEC stand-in (test/helpers/hec-receiver.ts).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { writeConfigIn } from "../helpers/config-file.js";
import { hecReceiverFor, type HecReceiver } from "../helpers/hec-receiver.js";
import {
  allFiles,
  assertOneLineError,
  logLines,
  runCli,
  startVco,
  tempDir,
} from "../helpers/kit.js";

const EMEA_TOKEN = "emea-token-5b7e0c";
const US_TOKEN = "us-token-91ad3f";
const GLOBAL_HEC = "aaaaaaaa-1111-2222-3333-canary000001";
const US_HEC = "bbbbbbbb-1111-2222-3333-canary000002";

/** Every event line of a subtree, parsed. */
function eventsIn(dir: string): Array<Record<string, unknown>> {
  return allFiles(dir)
    .filter((f) => path.basename(f).startsWith("events.json"))
    .flatMap((f) => fs.readFileSync(f, "utf8").split("\n").filter(Boolean))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The receiver holds exactly the events of these subtrees (host → dir), each once, with its host. */
function assertExactly(r: HecReceiver, subtrees: Record<string, string>): void {
  const expected = new Map<string, string>();
  for (const [host, dir] of Object.entries(subtrees)) {
    for (const e of eventsIn(dir)) expected.set(`${host}/${String(e.id ?? e.logicalId)}`, host);
  }
  assert.ok(expected.size > 0);
  const got = r.events.map((e) => ({
    key: (e.hec.fields as { vco_event_key: string }).vco_event_key,
    host: e.hec.host as string,
  }));
  assert.equal(new Set(got.map((g) => g.key)).size, got.length, "no event twice");
  assert.equal(got.length, expected.size, "every event of these orchestrators, and no other");
  for (const g of got) assert.equal(g.host, expected.get(g.key), `the host of ${g.key}`);
}

const text = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

describe("sinks in the configuration file", () => {
  it("a global sink gets both orchestrators' events once, a per-orchestrator sink only its own; status shows each", async () => {
    // Two hosts the HEC events can tell apart: localhost and 127.0.0.1.
    const emea = await startVco(EMEA_TOKEN, [
      [1, "Alpha", 60],
      [2, "Beta", 30],
    ]);
    const us = await startVco(US_TOKEN, [[1, "Alpha", 45]]);
    const all = await hecReceiverFor({ [GLOBAL_HEC]: { ack: true } });
    const own = await hecReceiverFor({ [US_HEC]: {} });
    const dir = tempDir();
    const file = writeConfigIn(
      dir,
      `dataDir: data
sinks:
  hec:
    url: ${all.url}
    token: \${GLOBAL_HEC}
    ack: true
orchestrators:
  - name: emea
    hostname: ${emea.baseUrl.replace("127.0.0.1", "localhost")}
    token: \${EMEA_TOKEN}
  - name: us
    hostname: ${us.baseUrl}
    token: \${US_TOKEN}
    sinks:
      hec: { url: "${own.url}/", token: "\${US_HEC}", sourcetype: vco:us }
`,
    );
    const env = {
      VCO_CONFIG: file,
      EMEA_TOKEN,
      US_TOKEN,
      GLOBAL_HEC,
      US_HEC,
      LOG_LEVEL: "trace",
    };
    const run = await runCli(["fetch", "--since", "2h"], env);
    assert.equal(run.code, 0, run.stderr);
    const data = path.join(dir, "data");
    const subtrees = { localhost: path.join(data, "emea"), "127.0.0.1": path.join(data, "us") };
    assert.equal(eventsIn(subtrees.localhost).length, 90);
    assert.equal(eventsIn(subtrees["127.0.0.1"]).length, 45);
    assertExactly(all, subtrees);
    assertExactly(own, { "127.0.0.1": subtrees["127.0.0.1"] });
    assert.ok(
      own.events.every((e) => e.hec.sourcetype === "vco:us"),
      "its own settings",
    );
    assert.ok(
      fs.readdirSync(path.join(subtrees.localhost, ".state", "forward")).length > 0,
      "the cursor lives in the subtree",
    );

    const again = await runCli(["fetch"], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(all.events.length, 135, "nothing sent twice");
    assert.equal(own.events.length, 45);

    const status = await runCli(["status", "--json", "--max-age", "1h"], env);
    assert.equal(status.code, 0, status.stderr);
    const json = JSON.parse(status.stdout) as {
      orchestrators: Array<{ name: string; sinks: Array<{ sink: string; pending: number }> }>;
    };
    const sinks = Object.fromEntries(
      json.orchestrators.map((o) => [o.name, o.sinks.map((s) => [s.sink, s.pending])]),
    );
    assert.deepEqual(sinks, {
      emea: [[`hec ${all.url}`, 0]],
      us: [
        [`hec ${all.url}`, 0],
        [`hec ${own.url}`, 0],
      ],
    });
    for (const r of [run, again, status]) {
      for (const secret of [GLOBAL_HEC, US_HEC, EMEA_TOKEN, US_TOKEN]) {
        assert.ok(!text(r).includes(secret), "no secret in any output at trace level");
      }
    }
  });

  it("forward --config drains a backlog left while the receiver refused, and the healthcheck sees it", async () => {
    const emea = await startVco(EMEA_TOKEN, [[1, "Alpha", 50]]);
    const us = await startVco(US_TOKEN, [[3, "Gamma", 20]]);
    const tokens: Record<string, { disabled?: boolean }> = { [US_HEC]: { disabled: true } };
    const r = await hecReceiverFor(tokens);
    const dir = tempDir();
    const file = writeConfigIn(
      dir,
      `dataDir: data
orchestrators:
  - name: emea
    hostname: ${emea.baseUrl.replace("127.0.0.1", "localhost")}
    token: \${EMEA_TOKEN}
  - name: us
    hostname: ${us.baseUrl}
    token: \${US_TOKEN}
    sinks:
      hec:
        url: ${r.url}
        token: \${US_HEC}
`,
    );
    const env = { EMEA_TOKEN, US_TOKEN, US_HEC, LOG_LEVEL: "trace" };
    const run = await runCli(["fetch", "--config", file, "--since", "2h"], env);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(
      logLines(run.stdout).some((l) => l.event === "delivery-deferred" && l.orchestrator === "us"),
    );
    assert.equal(r.events.length, 0);

    // The event times are up to an hour old: with a 1m max age the unsent backlog is unhealthy.
    const behind = await runCli(["status", "--config", file, "--json", "--max-age", "1m"], env);
    assert.equal(behind.code, 75, behind.stderr);
    const json = JSON.parse(behind.stdout) as {
      orchestrators: Array<{ name: string; sinks: Array<{ sink: string; pending: number }> }>;
    };
    assert.deepEqual(
      json.orchestrators.map((o) => [o.name, o.sinks.map((s) => s.pending)]),
      [
        ["emea", []],
        ["us", [20]],
      ],
    );
    assert.match(behind.stderr, /us: .*sink hec .* is behind/);

    delete tokens[US_HEC]!.disabled;
    const drained = await runCli(["forward", "--config", file], env);
    assert.equal(drained.code, 0, drained.stderr);
    assertExactly(r, { "127.0.0.1": path.join(dir, "data", "us") });
    const twice = await runCli(["forward", "--config", file], env);
    assert.equal(twice.code, 0, twice.stderr);
    assert.equal(r.events.length, 20, "nothing sent twice");
    for (const out of [run, behind, drained, twice]) assert.ok(!text(out).includes(US_HEC));
  });

  it("a wrong sink key or value: exit 78 with one line naming its path, nothing fetched", async () => {
    const dir = tempDir();
    const base = `dataDir: data
orchestrators:
  - name: emea
    hostname: https://vco.example.com
    token: t
  - name: us
    hostname: https://vco2.example.com
    token: t
    sinks:
`;
    const cases: Array<[string, RegExp]> = [
      [
        `      hec: { url: https://splunk.example.com:8088, token: x, idx: main }\n`,
        /orchestrators\[1\]\.sinks\.hec\.idx: unknown key/,
      ],
      [`      hec: { url: "ftp://splunk", token: x }\n`, /orchestrators\[1\]\.sinks\.hec\.url/],
      [
        `      hec: { url: https://splunk.example.com:8088 }\n`,
        /orchestrators\[1\]\.sinks\.hec\.token/,
      ],
      [
        `      syslog: { url: tls://siem.example.com:6514, facility: local9 }\n`,
        /orchestrators\[1\]\.sinks\.syslog\.facility/,
      ],
      [`      kafka: { url: x }\n`, /orchestrators\[1\]\.sinks\.kafka: unknown key/],
    ];
    for (const [sinks, pattern] of cases) {
      const file = writeConfigIn(dir, base + sinks);
      for (const args of [["fetch"], ["forward"]]) {
        const r = await runCli([...args, "--config", file], {});
        assert.equal(r.code, 78, `${args[0]} ${sinks}: ${r.stderr}`);
        assertOneLineError(r, pattern);
      }
    }
    assert.ok(!fs.existsSync(path.join(dir, "data")), "nothing written");
  });
});
