import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { loadConfig, parseHostname } from "../src/config.js";
import { ConfigError } from "../src/errors.js";

describe("parseHostname", () => {
  it("accepts the forms people type, defaulting to https", () => {
    assert.equal(parseHostname("vco.example.com"), "https://vco.example.com");
    assert.equal(parseHostname("vco.example.com/"), "https://vco.example.com");
    assert.equal(parseHostname("vco.example.com:8443"), "https://vco.example.com:8443");
    assert.equal(parseHostname("https://vco.example.com/portal/rest/"), "https://vco.example.com");
    assert.equal(parseHostname(" https://VCO.example.com "), "https://vco.example.com");
  });
  it("allows plain http only to loopback", () => {
    assert.equal(parseHostname("http://127.0.0.1:8585"), "http://127.0.0.1:8585");
    assert.equal(parseHostname("http://localhost:1"), "http://localhost:1");
    assert.equal(parseHostname("http://[::1]:9"), "http://[::1]:9");
    assert.throws(() => parseHostname("http://vco.example.com"), /only allowed for loopback/);
    assert.throws(() => parseHostname("http://127.0.0.1.evil.com"), /only allowed for loopback/);
  });
  it("refuses paths, credentials and other schemes", () => {
    assert.throws(() => parseHostname("vco.example.com/some/path"), /has a path/);
    assert.throws(
      () => parseHostname("https://u:p@vco.example.com"),
      /must not contain credentials/,
    );
    assert.throws(() => parseHostname("ftp://vco.example.com"), /only https/);
  });
});

describe("loadConfig", () => {
  const base = { VCO_HOSTNAME: "vco.example.com" };
  it("reads streams and filters; a * may only end an event name", () => {
    const c = loadConfig({
      ...base,
      VCO_TOKEN: "t",
      VCO_STREAMS: "operator, enterprise",
      VCO_MIN_SEVERITY: "warning",
      VCO_EVENTS_INCLUDE: "LINK_*,EDGE_HA_FAILOVER",
      VCO_EVENTS_EXCLUDE: "LINK_ALIVE",
      VCO_CATEGORIES: "security,edge",
    });
    assert.deepEqual(c.streams, ["operator", "enterprise"]);
    assert.deepEqual(c.filter, {
      minSeverity: "WARNING",
      include: ["LINK_*", "EDGE_HA_FAILOVER"],
      exclude: ["LINK_ALIVE"],
      categories: ["SECURITY", "EDGE"],
    });
    assert.throws(
      () => loadConfig({ ...base, VCO_TOKEN: "t", VCO_EVENTS_EXCLUDE: "MGD_*_X" }),
      (e) =>
        e instanceof ConfigError &&
        /VCO_EVENTS_EXCLUDE has MGD_\*_X: a \* may only end/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ ...base, VCO_TOKEN: "t", VCO_STREAMS: "enterprise,gateway" }),
      /VCO_STREAMS has gateway/,
    );
  });
  it("prefers the token when both credentials are set", () => {
    const c = loadConfig({ ...base, VCO_TOKEN: "t", VCO_USERNAME: "u", VCO_PASSWORD: "p" });
    assert.deepEqual(c.credentials, { kind: "token", token: "t" });
  });
  it("uses username and password, with the login type", () => {
    const c = loadConfig({
      ...base,
      VCO_USERNAME: "u",
      VCO_PASSWORD: "p",
      VCO_LOGIN_TYPE: "operator",
    });
    assert.deepEqual(c.credentials, {
      kind: "password",
      username: "u",
      password: "p",
      loginType: "operator",
    });
  });
  it("has documented defaults", () => {
    const c = loadConfig({ ...base, VCO_TOKEN: "t" });
    assert.equal(c.dataDir, path.resolve("data"));
    assert.equal(c.overlapMs, 15 * 60_000);
    assert.equal(c.lookbackMs, 24 * 3_600_000);
    assert.equal(c.maxInFlight, 3);
    assert.equal(c.tlsInsecure, false);
    assert.equal(c.enterpriseIds, undefined);
  });
  it("reports every problem in one message naming each variable", () => {
    assert.throws(
      () =>
        loadConfig({
          VCO_HOSTNAME: "http://x.example",
          VCO_USERNAME: "u",
          VCO_OVERLAP: "soon",
          VCO_ENTERPRISE_IDS: "1,a",
        }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /VCO_HOSTNAME/.test(e.message) &&
        /VCO_OVERLAP/.test(e.message) &&
        /VCO_ENTERPRISE_IDS/.test(e.message) &&
        !e.message.includes("\n"),
    );
    assert.throws(
      () => loadConfig({ VCO_HOSTNAME: "vco.example.com", VCO_USERNAME: "u" }),
      /VCO_PASSWORD is not set/,
    );
    assert.throws(() => loadConfig({}), /VCO_HOSTNAME is not set.*no credentials/);
  });
  it("parses enterprise ids and the data dir override", () => {
    const c = loadConfig(
      { ...base, VCO_TOKEN: "t", VCO_ENTERPRISE_IDS: "12, 57", VCO_DATA_DIR: "/x" },
      { dataDir: "/y" },
    );
    assert.deepEqual(c.enterpriseIds, [12, 57]);
    assert.equal(c.dataDir, "/y");
  });
});
