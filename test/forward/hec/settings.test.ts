import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../../src/errors.js";
import { hecSettingsFrom, parseHecUrl } from "../../../src/forward/hec/settings.js";

const TOKEN = "11111111-2222-3333-4444-555555555555";

/** The ConfigError hecSettingsFrom throws for `env`, checked to never show the token. */
function problem(env: Record<string, string>): string {
  try {
    hecSettingsFrom(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.message.split("\n").length, 1);
    if (env.VCO_HEC_TOKEN) assert.ok(!e.message.includes(env.VCO_HEC_TOKEN), e.message);
    return e.message;
  }
  assert.fail("no ConfigError");
}

describe("HEC settings", () => {
  it("are off when VCO_HEC_URL is not set", () => {
    assert.equal(hecSettingsFrom({}), undefined);
    assert.equal(hecSettingsFrom({ VCO_HEC_URL: " " }), undefined);
  });

  it("read every variable, with https and verified TLS by default", () => {
    assert.deepEqual(
      hecSettingsFrom({
        VCO_HEC_URL: "splunk.example.com:8088",
        VCO_HEC_TOKEN: ` ${TOKEN} `,
        VCO_HEC_INDEX: "vco",
        VCO_HEC_SOURCETYPE: "velocloud:event",
        VCO_HEC_ACK: "true",
        VCO_HEC_CA_FILE: "/etc/ssl/splunk-ca.pem",
      }),
      {
        url: "https://splunk.example.com:8088",
        token: TOKEN,
        index: "vco",
        sourcetype: "velocloud:event",
        ack: true,
        caFile: "/etc/ssl/splunk-ca.pem",
        tlsInsecure: false,
      },
    );
  });

  it("allow plain http toward loopback only", () => {
    assert.equal(
      hecSettingsFrom({ VCO_HEC_URL: "http://127.0.0.1:8088", VCO_HEC_TOKEN: TOKEN })?.url,
      "http://127.0.0.1:8088",
    );
    assert.equal(parseHecUrl("http://localhost:8088/"), "http://localhost:8088");
    assert.equal(parseHecUrl("http://[::1]:8088"), "http://[::1]:8088");
    assert.match(
      problem({ VCO_HEC_URL: "http://splunk.example.com:8088", VCO_HEC_TOKEN: TOKEN }),
      /VCO_HEC_URL uses http:\/\/ for splunk.example.com.*only allowed for loopback/,
    );
    assert.match(
      problem({ VCO_HEC_URL: "http://127.0.0.1.evil.com", VCO_HEC_TOKEN: TOKEN }),
      /only allowed for loopback/,
    );
  });

  it("take the collector path people copy from Splunk's docs, and refuse any other path", () => {
    assert.equal(
      parseHecUrl("https://splunk:8088/services/collector/event"),
      "https://splunk:8088",
    );
    assert.equal(parseHecUrl("https://splunk:8088/services/collector"), "https://splunk:8088");
    assert.throws(() => parseHecUrl("https://splunk:8088/other"), /has a path/);
    assert.throws(() => parseHecUrl("https://u:p@splunk:8088"), /must not contain credentials/);
    assert.throws(() => parseHecUrl("tcp://splunk:8088"), /only https/);
  });

  it("need a token with a URL, and a URL with a token", () => {
    assert.match(problem({ VCO_HEC_URL: "https://splunk:8088" }), /VCO_HEC_TOKEN is not set/);
    assert.match(
      problem({ VCO_HEC_URL: "https://splunk:8088", VCO_HEC_TOKEN: "  " }),
      /VCO_HEC_TOKEN is empty/,
    );
    assert.match(problem({ VCO_HEC_TOKEN: TOKEN }), /VCO_HEC_TOKEN is set but VCO_HEC_URL is not/);
  });

  it("name every problem in one error, never quoting the token", () => {
    const msg = problem({
      VCO_HEC_URL: "http://splunk.example.com",
      VCO_HEC_TOKEN: "Splunk secret-token-value\r\nX: y",
      VCO_HEC_ACK: "maybe",
      VCO_HEC_INDEX: "two words",
      VCO_HEC_TLS_INSECURE: "sure",
    });
    for (const name of [
      "VCO_HEC_URL",
      "VCO_HEC_TOKEN",
      "VCO_HEC_ACK",
      "VCO_HEC_INDEX",
      "VCO_HEC_TLS_INSECURE",
    ])
      assert.match(msg, new RegExp(name));
    assert.ok(!msg.includes("secret-token-value"), msg);
  });
});
