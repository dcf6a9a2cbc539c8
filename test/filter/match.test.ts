import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NO_FILTER, type EventFilter } from "../../src/filter/event-filter.js";
import { filters, lineMatches, matches, nameMatches } from "../../src/filter/match.js";

const f = (o: Partial<EventFilter>): EventFilter => ({ ...NO_FILTER, ...o });
const ev = (event: string, severity = "INFO", category = "NETWORK") => ({
  event,
  severity,
  category,
});

describe("the event filter", () => {
  it("matches names exactly, or by prefix with a trailing *", () => {
    assert.ok(nameMatches("LINK_DEAD", "LINK_DEAD"));
    assert.ok(!nameMatches("LINK_DEAD_X", "LINK_DEAD"));
    assert.ok(!nameMatches("link_dead", "LINK_DEAD"), "case-sensitive, as the VCO's names are");
    assert.ok(nameMatches("MGD_CONF_APPLIED", "MGD_*"));
    assert.ok(!nameMatches("EDGE_MGD_X", "MGD_*"));
    assert.ok(nameMatches("ANYTHING", "*"));
  });

  it("lets everything through when nothing is set", () => {
    assert.equal(filters(NO_FILTER), false);
    assert.ok(matches(NO_FILTER, ev("X", "DEBUG")));
    assert.ok(matches(NO_FILTER, { event: undefined, severity: undefined, category: undefined }));
  });

  it("keeps severities at or above the minimum, and drops ones off the scale", () => {
    const warn = f({ minSeverity: "WARNING" });
    assert.equal(filters(warn), true);
    for (const s of ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING"])
      assert.ok(matches(warn, ev("X", s)), s);
    for (const s of ["NOTICE", "INFO", "DEBUG", "SEVERE", undefined])
      assert.ok(!matches(warn, ev("X", s as string)), String(s));
    assert.ok(matches(f({ minSeverity: "DEBUG" }), ev("X", "DEBUG")));
    assert.ok(matches(f({ minSeverity: "EMERGENCY" }), ev("X", "EMERGENCY")));
    assert.ok(!matches(f({ minSeverity: "EMERGENCY" }), ev("X", "ALERT")));
  });

  it("includes, then excludes, by name; categories by list; every part must pass", () => {
    const inc = f({ include: ["LINK_DEAD", "EDGE_*"] });
    assert.ok(matches(inc, ev("LINK_DEAD")));
    assert.ok(matches(inc, ev("EDGE_INTERFACE_UP")));
    assert.ok(!matches(inc, ev("LINK_ALIVE")));
    const both = f({ include: ["EDGE_*"], exclude: ["EDGE_INTERFACE_*", "EDGE_HA_FAILOVER"] });
    assert.ok(matches(both, ev("EDGE_NEW_DEVICE")));
    assert.ok(!matches(both, ev("EDGE_INTERFACE_UP")));
    assert.ok(!matches(both, ev("EDGE_HA_FAILOVER")));
    const cat = f({ categories: ["SECURITY", "EDGE"] });
    assert.ok(matches(cat, ev("X", "INFO", "EDGE")));
    assert.ok(!matches(cat, ev("X", "INFO", "NETWORK")));
    const all = f({ minSeverity: "ERROR", categories: ["NETWORK"], exclude: ["LINK_ALIVE"] });
    assert.ok(matches(all, ev("LINK_DEAD", "ERROR", "NETWORK")));
    assert.ok(!matches(all, ev("LINK_DEAD", "ERROR", "EDGE")));
    assert.ok(!matches(all, ev("LINK_DEAD", "WARNING", "NETWORK")));
    assert.ok(!matches(all, ev("LINK_ALIVE", "ERROR", "NETWORK")));
  });

  it("reads NDJSON lines; one that is not an event object does not pass", () => {
    const inc = f({ include: ["LINK_DEAD"] });
    assert.ok(lineMatches(inc, JSON.stringify(ev("LINK_DEAD"))));
    assert.ok(!lineMatches(inc, "not json"));
    assert.ok(!lineMatches(inc, "[1,2]"));
  });
});
