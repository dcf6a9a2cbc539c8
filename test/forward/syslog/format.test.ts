// The RFC 5424 header, structured data and octet-counting frame, and CEF's escaping, field by field.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cefMessage, escapeExtension, escapeHeader } from "../../../src/forward/syslog/cef.js";
import {
  escapeParamValue,
  frame,
  headerField,
  syslogMessage,
} from "../../../src/forward/syslog/rfc5424.js";
import type { ForwardItem } from "../../../src/forward/target.js";

const event = {
  id: 42,
  eventTime: "2026-11-30T10:00:01.000Z",
  event: "LINK_DEAD",
  severity: "ERROR",
  category: "NETWORK",
  message: "Link GE1 | is = DEAD\nreally",
  edgeName: "東京-支店",
};
const item = (over: Partial<ForwardItem> = {}): ForwardItem => ({
  line: JSON.stringify(event),
  event,
  key: "vco.example.com/42",
  host: "vco.example.com",
  enterprise: { id: 7, name: 'ACME "East" [x] \\ y' },
  stream: "enterprise",
  ...over,
});

describe("RFC 5424", () => {
  it("builds PRI, version, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID, SD and MSG", () => {
    const m = syslogMessage(item(), 16, item().line);
    assert.equal(
      m,
      `<131>1 2026-11-30T10:00:01.000Z vco.example.com vco-events - LINK_DEAD ` +
        `[vco@32473 enterprise="ACME \\"East\\" [x\\] \\\\ y" enterpriseId="7" key="vco.example.com/42" stream="enterprise"] ` +
        item().line,
    );
  });

  it("clips MSGID to 32 printable US-ASCII characters, and uses - for none", () => {
    assert.equal(headerField("A".repeat(40), 32), "A".repeat(32));
    assert.equal(headerField("LINK DEAD\té", 32), "LINK_DEAD_");
    assert.equal(headerField("", 32), "-");
    assert.equal(headerField(undefined, 32), "-");
  });

  it('escapes ", \\ and ] in SD-PARAM values only', () => {
    assert.equal(escapeParamValue('a"b\\c]d[e='), 'a\\"b\\\\c\\]d[e=');
  });

  it("unknown severity is notice; no enterprise leaves its params out", () => {
    const m = syslogMessage(
      item({ event: { event: "X" }, enterprise: undefined, stream: "operator" }),
      16,
      "x",
    );
    assert.match(
      m,
      /^<133>1 - vco\.example\.com vco-events - X \[vco@32473 key="vco\.example\.com\/42" stream="operator"\] x$/,
    );
  });

  it("frames by octet count (RFC 6587), in bytes not characters", () => {
    assert.equal(frame("é").toString(), "2 é");
  });
});

describe("CEF", () => {
  it("escapes | and \\ in the header, = \\ and line breaks in the extension", () => {
    assert.equal(escapeHeader("a|b\\c\nd"), "a\\|b\\\\c d");
    assert.equal(escapeExtension("a=b\\c\nd\re"), "a\\=b\\\\c\\nd\\re");
  });

  it("maps the fields a SIEM maps", () => {
    const m = cefMessage(item());
    assert.equal(
      m,
      "CEF:0|VMware|VeloCloud Orchestrator||LINK_DEAD|Link GE1 \\| is = DEAD really|7|" +
        `rt=${Date.parse(event.eventTime)} dvchost=vco.example.com externalId=vco.example.com/42 cat=NETWORK ` +
        'cs1Label=enterprise cs1=ACME "East" [x] \\\\ y cn1Label=enterpriseId cn1=7 cs2Label=edge cs2=東京-支店 ' +
        "cs4Label=stream cs4=enterprise msg=Link GE1 | is \\= DEAD\\nreally",
    );
  });
});
