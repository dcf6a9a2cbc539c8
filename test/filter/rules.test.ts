import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NO_FILTER, SEVERITIES, type EventFilter } from "../../src/filter/event-filter.js";
import { matches } from "../../src/filter/match.js";
import { serverRules } from "../../src/filter/rules.js";
import { parseRules } from "../../src/simulator/rules.js";

const f = (o: Partial<EventFilter>): EventFilter => ({ ...NO_FILTER, ...o });

const NAMES = ["LINK_DEAD", "LINK_ALIVE", "EDGE_UP", "EDGE_DOWN", "MGD_CONF", "MGD", "USER_LOGIN"];
const CATS = ["NETWORK", "EDGE", "SECURITY"];

describe("the server-side rules a filter becomes", () => {
  it("sends nothing without a filter, and never a category rule", () => {
    assert.deepEqual(serverRules(NO_FILTER), []);
    assert.deepEqual(serverRules(f({ categories: ["SECURITY"] })), []);
    assert.deepEqual(serverRules(f({ minSeverity: "DEBUG" })), [], "DEBUG is everything");
  });

  it("says a minimum severity as the list at or above it", () => {
    assert.deepEqual(serverRules(f({ minSeverity: "ERROR" })), [
      { field: "severity", op: "in", values: ["EMERGENCY", "ALERT", "CRITICAL", "ERROR"] },
    ]);
  });

  it("sends include only where ANDed rules can say it; exclusions always", () => {
    assert.deepEqual(serverRules(f({ include: ["A", "B"] })), [
      { field: "event", op: "in", values: ["A", "B"] },
    ]);
    assert.deepEqual(serverRules(f({ include: ["MGD_*"] })), [
      { field: "event", op: "startsWith", values: ["MGD_"] },
    ]);
    assert.deepEqual(serverRules(f({ include: ["A", "MGD_*"] })), [], "A or MGD_*: local only");
    assert.deepEqual(serverRules(f({ exclude: ["A", "B", "MGD_*", "LINK_*"] })), [
      { field: "event", op: "notIn", values: ["A", "B"] },
      { field: "event", op: "notStartsWith", values: ["MGD_"] },
      { field: "event", op: "notStartsWith", values: ["LINK_"] },
    ]);
  });

  it("never drops an event the filter keeps (checked with the simulator's reading of the rules)", () => {
    const filters: EventFilter[] = [
      f({ minSeverity: "WARNING" }),
      f({ include: ["LINK_DEAD", "MGD"] }),
      f({ include: ["MGD_*"] }),
      f({ include: ["LINK_*", "MGD"], exclude: ["LINK_ALIVE"] }),
      f({ exclude: ["MGD_*", "USER_LOGIN"], minSeverity: "NOTICE", categories: ["EDGE"] }),
    ];
    for (const filter of filters) {
      const server = parseRules(serverRules(filter), "operator") ?? (() => true);
      for (const event of NAMES)
        for (const severity of SEVERITIES)
          for (const category of CATS) {
            const e = { event, severity, category };
            if (matches(filter, e))
              assert.ok(server(e), `${JSON.stringify(filter)} keeps ${JSON.stringify(e)}`);
          }
    }
  });
});
