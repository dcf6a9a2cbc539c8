import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { configFileFrom, loadConfigFile, readLayout } from "../src/config-file.js";
import { expandVariables } from "../src/config-vars.js";
import { problemsOf, writeConfigFile } from "./helpers/config-file.js";

const EXAMPLE = `
dataDir: /srv/vco
orchestrators:
  - name: emea
    hostname: vco160-fra1.velocloud.net
    token: \${EMEA_TOKEN}
    enterpriseIds: [12, 15]
    streams: [enterprise, partner]
    filter: { minSeverity: notice, exclude: [LINK_ALIVE, "MGD_*"], categories: [edge] }
    caFile: /etc/vco/emea-ca.pem
  - name: us
    hostname: vco22-usca1.velocloud.net
    username: \${US_USER}
    password: \${US_PASSWORD}
    loginType: operator
    tlsInsecure: true
    proxy: http://proxy.example:3128
`;
const ENV = { EMEA_TOKEN: "emea-secret", US_USER: "ops@us", US_PASSWORD: "us-secret" };

describe("loadConfigFile", () => {
  it("turns each orchestrator into the Config of the single mode, under <dataDir>/<name>", async () => {
    const f = await loadConfigFile(writeConfigFile(EXAMPLE), ENV);
    assert.equal(f.dataDir, "/srv/vco");
    const [emea, us] = f.orchestrators;
    assert.equal(emea!.name, "emea");
    assert.equal(emea!.baseUrl, "https://vco160-fra1.velocloud.net");
    assert.equal(emea!.dataDir, "/srv/vco/emea");
    assert.deepEqual(emea!.credentials, { kind: "token", token: "emea-secret" });
    assert.deepEqual(emea!.enterpriseIds, [12, 15]);
    assert.deepEqual(emea!.streams, ["enterprise", "partner"]);
    assert.deepEqual(emea!.filter, {
      minSeverity: "NOTICE",
      include: [],
      exclude: ["LINK_ALIVE", "MGD_*"],
      categories: ["EDGE"],
    });
    assert.equal(emea!.caFile, "/etc/vco/emea-ca.pem");
    assert.equal(emea!.tlsInsecure, false);
    assert.equal(us!.dataDir, "/srv/vco/us");
    assert.deepEqual(us!.credentials, {
      kind: "password",
      username: "ops@us",
      password: "us-secret",
      loginType: "operator",
    });
    assert.deepEqual(us!.streams, ["enterprise"], "the default stream");
    assert.equal(us!.tlsInsecure, true);
    assert.equal(us!.proxy?.display, "http://proxy.example:3128");
    assert.deepEqual(f.literalSecrets, []);
  });

  it("lets VCO_DATA_DIR and --data-dir win over the file's dataDir, which is relative to the file", async () => {
    const file = writeConfigFile(EXAMPLE.replace("/srv/vco", "out"));
    assert.equal((await loadConfigFile(file, ENV)).dataDir, path.join(path.dirname(file), "out"));
    assert.equal((await loadConfigFile(file, { ...ENV, VCO_DATA_DIR: "/e" })).dataDir, "/e");
    const flag = await loadConfigFile(file, { ...ENV, VCO_DATA_DIR: "/e" }, { dataDir: "/f" });
    assert.equal(flag.dataDir, "/f");
    assert.equal(flag.orchestrators[1]!.dataDir, "/f/us");
  });

  it("keeps the shared settings in the environment and ignores per-orchestrator variables there", async () => {
    const f = await loadConfigFile(writeConfigFile(EXAMPLE), {
      ...ENV,
      VCO_OVERLAP: "30m",
      VCO_MAX_IN_FLIGHT: "5",
      VCO_TOTAL_IN_FLIGHT: "20",
      VCO_TOKEN: "env-token",
      VCO_ENTERPRISE_IDS: "99",
      VCO_MIN_SEVERITY: "DEBUG",
    });
    assert.equal(f.totalInFlight, 20);
    const us = f.orchestrators[1]!;
    assert.equal(us.overlapMs, 30 * 60_000);
    assert.equal(us.maxInFlight, 5);
    assert.equal(
      us.credentials.kind,
      "password",
      "VCO_TOKEN does not leak into the file's entries",
    );
    assert.equal(us.enterpriseIds, undefined);
    assert.equal(us.filter.minSeverity, undefined);
  });

  it("reports every problem at once, each with its path", async () => {
    const file = writeConfigFile(`
orchestrators:
  - name: emea
    hostname: http://vco.example.com
    token: t
    enterpriseIds: [12, -1]
    streams: [enterprise, partners]
    filter: { minSeverity: LOUD }
  - name: us
    username: u
  - name: emea
    hostname: vco.example.com
    token: t
    tlsInsecure: "yes"
`);
    const problems = await problemsOf(() => loadConfigFile(file, { VCO_OVERLAP: "soon" }));
    const has = (re: RegExp) =>
      assert.ok(
        problems.some((p) => re.test(p)),
        `${re} in:\n${problems.join("\n")}`,
      );
    has(/^orchestrators\[0\]\.enterpriseIds\[1\]: /);
    has(/^orchestrators\[0\]\.streams\[1\]: must be one of enterprise, partner, operator/);
    has(/^orchestrators\[0\]\.filter\.minSeverity: must be one of EMERGENCY/);
    has(/^orchestrators\[1\]\.hostname: is required/);
    has(/^orchestrators\[2\]\.tlsInsecure: must be true or false/);
    has(/^VCO_OVERLAP must be a duration/);
  });

  it("checks names, credentials and host names after the shapes", async () => {
    const file = writeConfigFile(`
orchestrators:
  - { name: emea, hostname: http://vco.example.com, token: t }
  - { name: EMEA, hostname: vco.example.com, username: u }
  - { name: ../x, hostname: "vco.example.com/path", password: p }
  - { name: .state, hostname: vco.example.com }
`);
    const problems = await problemsOf(() => loadConfigFile(file, {}));
    assert.deepEqual(
      problems.filter((p) => !/^orchestrators\[[23]\]\.name/.test(p)),
      [
        "orchestrators[0].hostname: uses http:// for vco.example.com: plain HTTP would send credentials in clear, so it is only allowed for loopback",
        "use https://",
        'orchestrators[1].name: "EMEA" is also the name of orchestrators[0]',
        "orchestrators[1].password: is required with username (or give token instead)",
      ],
    );
    assert.ok(
      problems.some((p) => p.startsWith("orchestrators[2].name: must be usable as a folder")),
    );
    assert.ok(
      problems.some((p) => p.startsWith("orchestrators[3].name: must be usable as a folder")),
    );
  });

  it("refuses unknown keys, which are usually typos", async () => {
    const file = writeConfigFile(`
datadir: /x
orchestrators:
  - { name: a, hostname: vco.example.com, tokne: t, token: t, filter: { severity: INFO } }
`);
    assert.deepEqual((await problemsOf(() => loadConfigFile(file, {}))).sort(), [
      "datadir: unknown key (a typo?)",
      "orchestrators[0].filter.severity: unknown key (a typo?)",
      "orchestrators[0].tokne: unknown key (a typo?)",
    ]);
  });

  it("names a missing variable once, where it is used", async () => {
    const file = writeConfigFile(`
orchestrators:
  - { name: a, hostname: "\${A_HOST}", token: "\${A_TOKEN}" }
  - { name: b, hostname: vco.example.com, token: "\${B_TOKEN}" }
`);
    assert.deepEqual(
      await problemsOf(() => loadConfigFile(file, { A_HOST: "vco.example.com", B_TOKEN: "" })),
      [
        "orchestrators[0].token: ${A_TOKEN} is not set (set it in the environment or in .env)",
        "orchestrators[1].token: ${B_TOKEN} is not set (set it in the environment or in .env)",
      ],
    );
    assert.deepEqual(await problemsOf(() => loadConfigFile(file, { A_TOKEN: "x", B_TOKEN: "y" })), [
      "orchestrators[0].hostname: ${A_HOST} is not set (set it in the environment or in .env)",
    ]);
  });

  it("says where a YAML syntax error is, and refuses an empty or unreadable file", async () => {
    assert.match(
      (
        await problemsOf(() => loadConfigFile(writeConfigFile("orchestrators: [\n  - a: b\n"), {}))
      )[0]!,
      /^line \d+, column \d+: /,
    );
    assert.deepEqual(await problemsOf(() => loadConfigFile(writeConfigFile(""), {})), [
      "the file: must hold dataDir (optional) and orchestrators",
    ]);
    await assert.rejects(
      () => loadConfigFile("/nonexistent/vco.yaml", {}),
      /cannot read the configuration file \/nonexistent\/vco.yaml \(ENOENT\)/,
    );
    assert.deepEqual(
      await problemsOf(() => loadConfigFile(writeConfigFile("orchestrators: []"), {})),
      ["orchestrators: must list at least one orchestrator"],
    );
  });

  it("lists secrets written into the file as they are, never the ones from variables", async () => {
    const f = await loadConfigFile(
      writeConfigFile(`
orchestrators:
  - { name: a, hostname: vco.example.com, token: literal }
  - { name: b, hostname: vco.example.com, username: u, password: "\${P}", proxy: "http://u:pw@proxy.example:3128" }
`),
      { P: "x" },
    );
    assert.deepEqual(f.literalSecrets, ["orchestrators[0].token", "orchestrators[1].proxy"]);
  });
});

describe("expandVariables", () => {
  it("expands ${VAR} anywhere in a string and keeps $$ as a literal $", () => {
    const e = expandVariables({ a: ["x-${A}-${B}", "p$$w${A}"] }, { A: "1", B: "2" });
    assert.deepEqual(e.value, { a: ["x-1-2", "p$w1"] });
    assert.deepEqual(e.missing, []);
  });
});

describe("readLayout", () => {
  it("needs only the names, the data dir and the sinks, not the secrets", async () => {
    const layout = await readLayout(writeConfigFile(EXAMPLE), {});
    assert.deepEqual(layout, {
      dataDir: "/srv/vco",
      names: ["emea", "us"],
      streams: { emea: ["enterprise", "partner"], us: ["enterprise"] },
      sinks: { emea: [], us: [] },
    });
  });
});

describe("configFileFrom", () => {
  it("takes --config over VCO_CONFIG, and nothing means the single mode", () => {
    assert.equal(configFileFrom({}), undefined);
    assert.equal(configFileFrom({ VCO_CONFIG: " " }), undefined);
    assert.equal(configFileFrom({ VCO_CONFIG: "/a.yaml" }), "/a.yaml");
    assert.equal(configFileFrom({ VCO_CONFIG: "/a.yaml" }, "/b.yaml"), "/b.yaml");
  });
});
