import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startSim, TOKEN } from "../helpers/sim.js";

type Json = any;
const json = async (r: Response): Promise<Json> => r.json();

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Token ${TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });

describe("the VCO simulator speaks the spec's forms and refuses what a VCO refuses", () => {
  it("answers JSON-RPC at /portal/ with an envelope, and the REST form with the bare result", async () => {
    const sim = await startSim();
    sim.enterprises.get(1)!.store.addSpread(3, Date.now() - 60_000, Date.now() - 1000);
    const rpc = await json(
      await post(`${sim.baseUrl}/portal/`, {
        jsonrpc: "2.0",
        method: "event/getEnterpriseEvents",
        params: {},
        id: 7,
      }),
    );
    assert.equal(rpc.jsonrpc, "2.0");
    assert.equal(rpc.id, 7);
    assert.equal(rpc.result.data.length, 3);
    const rest = await json(await post(`${sim.baseUrl}/portal/rest/event/getEnterpriseEvents`, {}));
    assert.deepEqual(rest, rpc.result);
  });

  it("serves newest first, at most 2048 a page, with inclusive bounds", async () => {
    const sim = await startSim();
    const t = Date.parse("2024-05-01T00:00:00.000Z");
    const store = sim.enterprises.get(1)!.store;
    for (let i = 0; i < 3000; i++) store.add(t + Math.floor(i / 10) * 1000);
    const page = await json(
      await post(`${sim.baseUrl}/portal/rest/event/getEnterpriseEvents`, {
        interval: { start: t, end: t + 10_000 },
        filter: { limit: 5000 },
      }),
    );
    assert.equal(page.metaData.limit, 2048);
    assert.equal(page.data.length, 110, "both ends included: 11 seconds of 10");
    assert.equal(page.metaData.more, false);
    const times = page.data.map((e: { eventTime: string }) => Date.parse(e.eventTime));
    assert.deepEqual(
      times,
      [...times].sort((a: number, b: number) => b - a),
    );
    const big = await json(
      await post(`${sim.baseUrl}/portal/rest/event/getEnterpriseEvents`, {
        interval: { start: t, end: t + 400_000 },
      }),
    );
    assert.equal(big.data.length, 2048);
    assert.equal(big.metaData.more, true);
    assert.equal(typeof big.metaData.nextPageLink, "string");
  });

  it("refuses bad tokens with HTTP 200, unknown params and bad dates with 400", async () => {
    const sim = await startSim();
    const bad = await post(
      `${sim.baseUrl}/portal/rest/enterprise/getEnterprise`,
      {},
      { Authorization: "Token nope" },
    );
    assert.equal(bad.status, 200);
    assert.equal((await json(bad)).error.code, -32000);
    const unknown = await post(`${sim.baseUrl}/portal/rest/event/getEnterpriseEvents`, {
      since: 1,
    });
    assert.equal(unknown.status, 400);
    const date = await post(`${sim.baseUrl}/portal/rest/event/getEnterpriseEvents`, {
      interval: { start: "yesterday" },
    });
    assert.equal(date.status, 400);
    const get = await fetch(`${sim.baseUrl}/portal/rest/enterprise/getEnterprise`);
    assert.equal(get.status, 405);
  });
});
