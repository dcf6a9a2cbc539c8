import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../../src/errors.js";
import { syslogSettingsFrom } from "../../../src/forward/syslog/settings.js";
import { configuredSinks } from "../../../src/forward/targets.js";

describe("syslog settings", () => {
  it("none without VCO_SYSLOG", () => {
    assert.equal(syslogSettingsFrom({}), undefined);
    assert.deepEqual(configuredSinks({}), []);
  });

  it("reads tls:// with the defaults: local0, json", () => {
    const s = syslogSettingsFrom({ VCO_SYSLOG: "tls://siem.example.com:6514" });
    assert.equal(s?.name, "syslog tls://siem.example.com:6514");
    assert.equal(s?.facility, 16);
    assert.equal(s?.format, "json");
    assert.equal(s?.plainRemote, false);
  });

  it("allows tcp:// to a remote host with a warning, and to loopback without", () => {
    assert.equal(
      configuredSinks({ VCO_SYSLOG: "tcp://10.1.2.3:514" })[0]?.warnings[0]?.event,
      "syslog-plain-tcp",
    );
    assert.equal(configuredSinks({ VCO_SYSLOG: "tcp://127.0.0.1:514" })[0]?.warnings.length, 0);
  });

  for (const [env, pattern] of [
    [{ VCO_SYSLOG: "udp://siem:514" }, /UDP/],
    [{ VCO_SYSLOG: "https://siem:514" }, /uses https:/],
    [{ VCO_SYSLOG: "tls://siem" }, /no port/],
    [{ VCO_SYSLOG: "siem:514" }, /VCO_SYSLOG/],
    [
      { VCO_SYSLOG: "tls://siem:6514", VCO_SYSLOG_FACILITY: "local9" },
      /VCO_SYSLOG_FACILITY must be one of/,
    ],
    [
      { VCO_SYSLOG: "tls://siem:6514", VCO_SYSLOG_FORMAT: "leef" },
      /VCO_SYSLOG_FORMAT must be json or cef/,
    ],
    [{ VCO_SYSLOG: "tls://siem:6514", VCO_SYSLOG_CERT_FILE: "/c.pem" }, /go together/],
    [{ VCO_SYSLOG: "tcp://siem:514", VCO_SYSLOG_CA_FILE: "/ca.pem" }, /need a tls:\/\//],
  ] as const) {
    it(`refuses ${JSON.stringify(env)} in one line`, () => {
      assert.throws(
        () => syslogSettingsFrom(env),
        (e: unknown) =>
          e instanceof ConfigError && pattern.test(e.message) && !e.message.includes("\n"),
      );
    });
  }
});
