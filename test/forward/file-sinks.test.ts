// Sinks in the configuration file (VCO_CONFIG): parsing, the path in each message, effective sets.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfigFile, readLayout } from "../../src/config-file.js";
import { problemsOf, writeConfigFile } from "../helpers/config-file.js";

const TOKEN = "12345678-abcd-4bcd-8bcd-123456789abc";

const file = (sinks: string, own = "") => `
${sinks}
orchestrators:
  - name: emea
    hostname: vco1.example.com
    token: t1
  - name: us
    hostname: vco2.example.com
    token: t2
${own}`;

const names = (f: Awaited<ReturnType<typeof loadConfigFile>>) =>
  Object.fromEntries(f.orchestrators.map((o) => [o.name, o.sinks.map((s) => s.name)]));

describe("sinks in the configuration file", () => {
  it("effective sinks: the environment's, then the global ones, then the orchestrator's own", async () => {
    const f = await loadConfigFile(
      writeConfigFile(
        file(
          `sinks:\n  hec: { url: "https://splunk.example.com:8088", token: "\${HEC}", index: vco, ack: true }`,
          `    sinks:\n      syslog: { url: "tls://siem.example.com:6514", facility: local3, format: cef }`,
        ),
      ),
      { HEC: TOKEN, VCO_SYSLOG: "tcp://127.0.0.1:5514" },
    );
    assert.deepEqual(names(f), {
      emea: ["syslog tcp://127.0.0.1:5514", "hec https://splunk.example.com:8088"],
      us: [
        "syslog tcp://127.0.0.1:5514",
        "hec https://splunk.example.com:8088",
        "syslog tls://siem.example.com:6514",
      ],
    });
    assert.deepEqual(f.literalSecrets, ["orchestrators[0].token", "orchestrators[1].token"]);
    assert.deepEqual(names(await loadConfigFile(writeConfigFile(file("")), {})), {
      emea: [],
      us: [],
    });
  });

  it("a literal HEC token is a literal secret (check warns), a ${VAR} one is not", async () => {
    const f = await loadConfigFile(
      writeConfigFile(
        file(
          "",
          `    sinks:\n      hec: { url: "https://splunk.example.com:8088", token: ${TOKEN} }`,
        ),
      ),
      {},
    );
    assert.ok(
      f.literalSecrets.includes("orchestrators[1].sinks.hec.token"),
      f.literalSecrets.join(),
    );
  });

  it("each wrong key or value is named by its path, never with the token", async () => {
    const problems = await problemsOf(() =>
      loadConfigFile(
        writeConfigFile(
          file(
            `sinks:\n  hec: { url: "https://splunk.example.com:8088", token: "bad token ${TOKEN}" }\n  syslg: {}`,
            `    sinks:\n      syslog: { url: "udp://siem:514", keyFile: /k.pem, facilty: local1 }\n      hec: { token: "\${MISSING}" }`,
          ),
        ),
        {},
      ),
    );
    const text = problems.join("\n");
    assert.match(text, /^orchestrators\[1\]\.sinks\.hec\.token: \$\{MISSING\} is not set/m);
    assert.match(text, /^sinks\.syslg: unknown key/m);
    assert.match(text, /^orchestrators\[1\]\.sinks\.syslog\.facilty: unknown key/m);
    assert.match(text, /^orchestrators\[1\]\.sinks\.hec\.url: is required/m);
    assert.doesNotMatch(text, new RegExp(TOKEN), "never the token");
    assert.doesNotMatch(text, /VCO_HEC|VCO_SYSLOG/, "the file's names, not the variables'");

    const values = (
      await problemsOf(() =>
        loadConfigFile(
          writeConfigFile(
            file(
              `sinks:\n  hec: { url: "https://splunk.example.com:8088", token: "bad token ${TOKEN}" }`,
              `    sinks:\n      syslog: { url: "udp://siem:514" }`,
            ),
          ),
          {},
        ),
      )
    ).join("\n");
    assert.match(values, /^sinks\.hec\.token has spaces/m);
    assert.match(values, /orchestrators\[1\]\.sinks\.syslog\.url/);
    assert.doesNotMatch(values, new RegExp(TOKEN));
  });

  it("the same sink twice in one orchestrator's set is an error naming both places", async () => {
    const problems = await problemsOf(() =>
      loadConfigFile(
        writeConfigFile(
          file(
            `sinks:\n  hec: { url: "https://splunk.example.com:8088", token: "\${HEC}" }`,
            `    sinks:\n      hec: { url: "https://splunk.example.com:8088/", token: "\${HEC}", index: other }`,
          ),
        ),
        { HEC: TOKEN },
      ),
    );
    assert.deepEqual(problems, [
      "orchestrators[1]: hec https://splunk.example.com:8088 is configured both in sinks and in orchestrators[1].sinks: keep one",
    ]);
    const fromEnv = await problemsOf(() =>
      loadConfigFile(writeConfigFile(file(`sinks:\n  syslog: { url: "tcp://127.0.0.1:5514" }`)), {
        VCO_SYSLOG: "tcp://127.0.0.1:5514",
      }),
    );
    assert.equal(fromEnv.length, 2, "once per orchestrator");
    assert.match(fromEnv[0]!, /both in the environment and in sinks/);
  });

  it("status's layout knows each orchestrator's sinks without any credential set", async () => {
    const { sinks } = await readLayout(
      writeConfigFile(
        file(
          `sinks:\n  hec: { url: "https://splunk.example.com:8088", token: "\${HEC}" }`,
          `    sinks:\n      syslog: { url: "tls://siem.example.com:6514" }`,
        ),
      ),
      {},
    );
    assert.deepEqual(
      Object.fromEntries(Object.entries(sinks).map(([k, v]) => [k, v.map((s) => s.name)])),
      {
        emea: ["hec https://splunk.example.com:8088"],
        us: ["hec https://splunk.example.com:8088", "syslog tls://siem.example.com:6514"],
      },
    );
  });
});
