import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { EventFactory, toSecond } from "../../src/simulator/event-factory.js";
import { Simulator } from "../../src/simulator/server.js";

type Json = any;
const PROXY = "event/getProxyEvents";
const OPERATOR = "event/getOperatorEvents";
const T = Date.parse("2024-05-01T00:00:00.000Z");
const TOKENS = { customer: "c-tok", partner: "p-tok", operator: "o-tok" } as const;

async function sim(legacyPaging = false): Promise<Simulator> {
  const s = new Simulator({ legacyPaging });
  s.addEnterprise(1, "ACME", 7);
  s.addToken(TOKENS.customer, { type: "customer", enterpriseId: 1 });
  s.addToken(TOKENS.partner, { type: "partner", proxyId: 7 });
  s.addToken(TOKENS.operator, { type: "operator" });
  // 3000 events over 300 s: two full pages and a bit, ten a second.
  s.partnerEvents(7).addSpread(3000, T, T + 299_000);
  s.operatorStore.addSpread(3000, T, T + 299_000);
  await s.start();
  after(() => s.stop());
  return s;
}

async function call(
  s: Simulator,
  who: keyof typeof TOKENS,
  method: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${s.baseUrl}/portal/rest/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Token ${TOKENS[who]}` },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

const all = { interval: { start: T, end: T + 300_000 } };

/** Every page of a query, following links (or, legacy, moving interval.end back). */
async function walk(s: Simulator, who: keyof typeof TOKENS, method: string, body: Json) {
  const events: Json[] = [];
  let next: Json = body;
  for (;;) {
    const r = await call(s, who, method, next);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    events.push(...r.body.data);
    if (!r.body.metaData.more) return events;
    const link = r.body.metaData.nextPageLink;
    const oldest = Date.parse(r.body.data.at(-1).eventTime);
    next = link
      ? { ...body, nextPageLink: link }
      : { ...body, interval: { ...body.interval, end: oldest } };
  }
}

describe("the simulator's partner and operator event methods", () => {
  it("render partner and operator events as their objects, with the swagger's fields", () => {
    for (const shape of ["classic", "6.2"] as const) {
      for (const stream of ["partner", "operator"] as const) {
        const f = new EventFactory(shape, "Global", 1, stream);
        for (let i = 0; i < 900; i++) {
          const time = toSecond(T + i * 7_777);
          assert.equal(f.render(i, time), JSON.stringify(f.body(i, time)), `${shape} ${stream}`);
        }
        const e = f.body(0, T);
        if (stream === "operator") {
          for (const k of ["operatorUsername", "networkName", "gatewayName"]) assert.ok(k in e, k);
        } else {
          for (const k of ["proxyUsername", "networkName", "enterpriseName", "gatewayName"])
            assert.ok(k in e, k);
        }
        assert.ok(!("edgeName" in e) && !("enterpriseUsername" in e));
      }
    }
  });

  it("lets partners and operators read partner events, operators alone read operator events", async () => {
    const s = await sim();
    const refused = async (
      who: keyof typeof TOKENS,
      method: string,
      body: Json,
      status: number,
      re: RegExp,
    ) => {
      const r = await call(s, who, method, body);
      assert.equal(r.status, status, `${who} ${method}`);
      assert.match(r.body.error.message, re);
    };
    // Without the privilege: HTTP 403, Insufficient Permissions (swagger's `forbidden`).
    await refused("customer", PROXY, all, 403, /Insufficient Permissions/);
    await refused("customer", OPERATOR, all, 403, /Insufficient Permissions/);
    await refused("partner", OPERATOR, all, 403, /Insufficient Permissions/);
    // With it, but not for that partner, or without saying which: the usual error replies.
    await refused("partner", PROXY, { ...all, enterpriseProxyId: 8 }, 400, /Privileges/);
    await refused("operator", PROXY, all, 400, /enterpriseProxyId is required/);
    await refused("operator", PROXY, { ...all, enterpriseProxyId: 99 }, 400, /Privileges/);
    assert.equal((await call(s, "partner", PROXY, all)).status, 200);
    assert.equal((await call(s, "operator", PROXY, { ...all, enterpriseProxyId: 7 })).status, 200);
    assert.equal((await call(s, "operator", OPERATOR, all)).status, 200);
  });

  for (const legacy of [false, true]) {
    it(`pages newest first, 2048 at most, ${legacy ? "legacy (no links)" : "with nextPageLink"}`, async () => {
      const s = await sim(legacy);
      for (const [who, method] of [
        ["partner", PROXY],
        ["operator", OPERATOR],
      ] as const) {
        const first = await call(s, who, method, all);
        assert.equal(first.body.data.length, 2048);
        assert.equal(first.body.metaData.more, true);
        assert.equal(typeof first.body.metaData.nextPageLink, legacy ? "undefined" : "string");
        const events = await walk(s, who, method, all);
        const ids = new Set(events.map((e: Json) => e.id));
        assert.equal(ids.size, 3000, `${method}: every event once`);
        const times = events.map((e: Json) => Date.parse(e.eventTime));
        assert.deepEqual(
          times,
          [...times].sort((a, b) => b - a),
          "newest first",
        );
      }
    });
  }

  it("filters by the rules each method takes, and refuses the fields it does not", async () => {
    const s = await sim();
    const rules = (r: Json[]) => ({ ...all, filter: { rules: r } });
    // No category rule anywhere; no edgeName for partner or operator events.
    for (const [who, method, field] of [
      ["operator", OPERATOR, "category"],
      ["operator", OPERATOR, "edgeName"],
      ["partner", PROXY, "category"],
      ["partner", PROXY, "segmentName"],
      ["customer", "event/getEnterpriseEvents", "category"],
      ["customer", "event/getEnterpriseEvents", "gatewayName"],
    ] as const) {
      const r = await call(s, who, method, rules([{ field, op: "is", values: ["X"] }]));
      assert.equal(r.status, 400, `${method} ${field}`);
      assert.match(r.body.error.message, /Invalid params: filter\.rules\[0\]\.field/);
    }
    const badOp = await call(
      s,
      "partner",
      PROXY,
      rules([{ field: "event", op: "like", values: ["X"] }]),
    );
    assert.equal(badOp.status, 400);
    const badValues = await call(
      s,
      "partner",
      PROXY,
      rules([{ field: "event", op: "in", values: [1] }]),
    );
    assert.equal(badValues.status, 400);

    const filter = [
      { field: "severity", op: "in", values: ["ERROR", "CRITICAL", "ALERT"] },
      { field: "event", op: "notStartsWith", values: ["LINK_"] },
    ];
    const want = s.operatorStore
      .all()
      .filter((e) => ["ERROR", "CRITICAL", "ALERT"].includes(e.severity as string))
      .filter((e) => !(e.event as string).startsWith("LINK_"));
    assert.ok(want.length > 0 && want.length < 3000);
    const got = await walk(s, "operator", OPERATOR, rules(filter));
    assert.deepEqual(new Set(got.map((e: Json) => e.id)), new Set(want.map((e) => e.id)));

    // A link continues its own query: other rules with it are refused.
    const page = await call(s, "operator", OPERATOR, rules([{ field: "event", op: "isNotNull" }]));
    assert.equal(page.body.metaData.more, true);
    const mixed = await call(s, "operator", OPERATOR, {
      ...rules(filter),
      nextPageLink: page.body.metaData.nextPageLink,
    });
    assert.equal(mixed.status, 400);
    assert.match(mixed.body.error.message, /other filter rules/);
  });
});
