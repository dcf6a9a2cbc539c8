import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bypassed, parseProxyUrl, proxyFor, ProxySettingError } from "../../src/net/proxy-env.js";

const VCO = new URL("https://vco160-fra1.velocloud.net");
const via = (env: NodeJS.ProcessEnv, url = VCO) => proxyFor(url, env)?.display;

describe("which proxy a URL goes through", () => {
  it("https uses HTTPS_PROXY, lowercase first, then HTTP_PROXY as npm and apt do", () => {
    assert.equal(via({ HTTPS_PROXY: "http://a:1" }), "http://a:1");
    assert.equal(via({ HTTPS_PROXY: "http://a:1", https_proxy: "http://b:2" }), "http://b:2");
    assert.equal(via({ HTTP_PROXY: "http://c:3" }), "http://c:3");
    assert.equal(via({ http_proxy: "http://d:4", HTTPS_PROXY: "http://a:1" }), "http://a:1");
    assert.equal(via({}), undefined);
  });

  it("http uses HTTP_PROXY only", () => {
    const url = new URL("http://vco.example.com");
    assert.equal(via({ HTTPS_PROXY: "http://a:1" }, url), undefined);
    assert.equal(via({ HTTP_PROXY: "http://c:3" }, url), "http://c:3");
  });

  it("VCO_PROXY wins over everything, NO_PROXY included; none/off/direct turn proxies off", () => {
    const env = { HTTPS_PROXY: "http://a:1", NO_PROXY: "*", VCO_PROXY: "http://v:9" };
    assert.equal(via(env), "http://v:9");
    for (const off of ["none", "off", "direct", "NONE"]) {
      assert.equal(via({ HTTPS_PROXY: "http://a:1", VCO_PROXY: off }), undefined, off);
    }
    assert.equal(proxyFor(VCO, { VCO_PROXY: "http://v:9" })?.source, "VCO_PROXY");
  });

  it("loopback is always direct", () => {
    for (const host of ["http://127.0.0.1:8585", "http://localhost", "http://[::1]:80"]) {
      assert.equal(
        via({ HTTP_PROXY: "http://a:1", VCO_PROXY: "http://v:9" }, new URL(host)),
        undefined,
      );
    }
  });

  it("a scheme-less proxy is http; credentials are percent-decoded and kept out of display", () => {
    const p = parseProxyUrl("http://svc:p%40ss%3Aw0rd@proxy.corp:3128", "HTTPS_PROXY");
    assert.deepEqual(
      { ...p },
      {
        host: "proxy.corp",
        port: 3128,
        username: "svc",
        password: "p@ss:w0rd",
        display: "http://proxy.corp:3128",
        source: "HTTPS_PROXY",
      },
    );
    assert.equal(parseProxyUrl("proxy.corp:8080", "X").display, "http://proxy.corp:8080");
    assert.equal(parseProxyUrl("http://proxy.corp", "X").port, 80);
  });

  it("refuses what it cannot use, naming the variable and never the value", () => {
    assert.throws(
      () => parseProxyUrl("socks5://u:secret@h:1080", "HTTPS_PROXY"),
      (e: Error) => {
        assert.ok(e instanceof ProxySettingError);
        assert.match(e.message, /HTTPS_PROXY uses socks5:/);
        assert.doesNotMatch(e.message, /secret/);
        return true;
      },
    );
    assert.throws(
      () => parseProxyUrl("http://u:secret@[bad", "VCO_PROXY"),
      /VCO_PROXY is not a proxy URL/,
    );
  });
});

describe("NO_PROXY", () => {
  const cases: Array<[string, string, number, boolean]> = [
    ["*", "anything.example", 443, true],
    ["velocloud.net", "vco160-fra1.velocloud.net", 443, true],
    [".velocloud.net", "vco160-fra1.velocloud.net", 443, true],
    ["*.velocloud.net", "vco160-fra1.velocloud.net", 443, true],
    ["velocloud.net", "velocloud.net", 443, true],
    ["loud.net", "vco160-fra1.velocloud.net", 443, false],
    ["other.example, vco.example:443", "vco.example", 443, true],
    ["vco.example:8443", "vco.example", 443, false],
    ["vco.example:8443", "vco.example", 8443, true],
    ["10.1.2.3", "10.1.2.3", 443, true],
    ["10.1.2.3:443", "10.1.2.3", 443, true],
    ["2001:db8::1", "2001:db8::1", 443, true],
    ["[2001:db8::1]:443", "2001:db8::1", 443, true],
    ["[2001:db8::1]:80", "2001:db8::1", 443, false],
    ["", "vco.example", 443, false],
  ];
  for (const [list, host, port, expected] of cases) {
    it(`"${list}" ${expected ? "bypasses" : "does not bypass"} ${host}:${port}`, () => {
      assert.equal(bypassed(host, port, list), expected);
    });
  }

  it("applies to the environment's proxy, lowercase first", () => {
    assert.equal(via({ HTTPS_PROXY: "http://a:1", NO_PROXY: ".velocloud.net" }), undefined);
    assert.equal(via({ HTTPS_PROXY: "http://a:1", no_proxy: "x", NO_PROXY: "*" }), "http://a:1");
  });
});
