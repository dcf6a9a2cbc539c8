import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventFactory, toSecond } from "../../src/simulator/event-factory.js";
import { EventStore } from "../../src/simulator/event-store.js";

const T0 = Date.parse("2024-12-31T23:59:30.000Z");
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Every event of a store, newest first, as its pages serve it. */
function served(store: EventStore, start = 0, end = 9e12, limit = 7): string[] {
  const out: string[] = [];
  for (let offset = 0; ;) {
    const p = store.page(start, end, offset, limit);
    if (p.count > 0)
      out.push(
        ...(JSON.parse(`[${p.data.toString()}]`) as unknown[]).map((e) => JSON.stringify(e)),
      );
    offset += p.count;
    if (!p.more) return out;
  }
}

describe("the simulator's event store", () => {
  it("renders each event byte for byte as JSON.stringify of the object, in both shapes", () => {
    for (const shape of ["classic", "6.2"] as const) {
      const f = new EventFactory(shape, 'ACME "Ü" \\ 東京', 1_000_000);
      for (let i = 0; i < 3000; i++) {
        const time = toSecond(T0 + i * 7_777_777);
        assert.equal(f.render(i, time), JSON.stringify(f.body(i, time)), `${shape} #${i}`);
      }
      const big = 123_456_789;
      assert.equal(f.render(big, T0), JSON.stringify(f.body(big, T0)));
    }
  });

  it("makes events as before: classic ids in creation order, 6.2 logicalIds unique v4 UUIDs", () => {
    const classic = new EventFactory("classic", "ACME", 7);
    const a = classic.make(T0 + 1500, { extra: 1 });
    assert.deepEqual(Object.keys(a), [
      "id",
      "eventTime",
      "event",
      "category",
      "severity",
      "message",
      "detail",
      "enterpriseUsername",
      "edgeName",
      "segmentName",
      "extra",
    ]);
    assert.equal(a.id, 7);
    assert.equal(a.eventTime, "2024-12-31T23:59:31.000Z");
    assert.equal(classic.make(T0).id, 8);
    const modern = new EventFactory("6.2", "ACME", 7);
    const b = modern.make(T0 + 1500);
    assert.equal(b.created, "2024-12-31T23:59:51.000Z");
    assert.equal(b.enterpriseName, "ACME");
    const ids = new Set<unknown>();
    for (let i = 0; i < 50_000; i++) ids.add(modern.make(T0).logicalId);
    assert.equal(ids.size, 50_000);
    for (const id of [...ids].slice(0, 500)) assert.match(String(id), UUID4);
    const other = new EventFactory("6.2", "ACME", 7).make(T0 + 1500);
    assert.notEqual(other.logicalId, b.logicalId, "another factory's ids differ");
  });

  it("keeps events sorted, earlier ones first on equal times, whichever way they came in", () => {
    const store = new EventStore("classic", "ACME", 1);
    const a = store.add(T0 + 60_000);
    store.addSpread(5, T0 + 50_000, T0 + 70_000); // reaches back: merged
    const b = store.add(T0 + 60_000);
    store.addSpread(3, T0 + 80_000, T0 + 90_000); // appended
    const all = store.all();
    assert.equal(all.length, 10);
    assert.equal(store.size, 10);
    const times = all.map((e) => Date.parse(String(e.eventTime)));
    assert.deepEqual(
      times,
      [...times].sort((x, y) => x - y),
    );
    const at60 = all.filter((e) => e.eventTime === new Date(T0 + 60_000).toISOString());
    assert.deepEqual(
      at60.map((e) => e.id),
      [a.id, 6, b.id],
      "the first add, then the spread's middle event (created last of it), then the later add",
    );
    assert.deepEqual(
      served(store),
      all.reverse().map((e) => JSON.stringify(e)),
    );
  });

  it("pages newest first within inclusive bounds, and holds late events back until released", () => {
    const store = new EventStore("6.2", "ACME", 1);
    store.addSpread(1000, T0, T0 + 999_000);
    const late = store.add(T0 + 500_500, { visibleAt: 10 });
    assert.equal(store.size, 1001);
    const window = served(store, T0 + 100_000, T0 + 199_000);
    assert.equal(window.length, 100);
    assert.equal(JSON.parse(window[0]!).eventTime, new Date(T0 + 199_000).toISOString());
    assert.equal(served(store).length, 1000);
    store.release(9);
    assert.equal(served(store).length, 1000, "not yet");
    store.release(10);
    const all = served(store);
    assert.equal(all.length, 1001);
    assert.equal(
      all[499],
      JSON.stringify(late),
      "stored after its second's event: served before it",
    );
  });

  it("serves raw and pretty-printed events exactly as given", () => {
    const store = new EventStore("classic", "ACME", 1);
    store.addSpread(10, T0, T0 + 9000);
    const raw = { id: "x", eventTime: "2024-12-31T23:59:34.250Z", text: 'a "b" \n 🚀' };
    store.add(0, { raw });
    store.add(T0 + 2000, { raw: { id: "y", eventTime: "bad" } });
    store.add(T0 + 2000, { overrides: { severity: "DEBUG" }, indent: 2 });
    const p = store.page(T0, T0 + 9000, 0, 100);
    assert.equal(p.count, 13);
    assert.ok(p.data.toString().includes(JSON.stringify(raw)));
    assert.ok(p.data.toString().includes('{\n  "id": 11,'), "pretty-printed, as given");
    const all = store.all();
    assert.deepEqual(all[7], raw, "placed by its eventTime, to the millisecond");
    assert.equal(all[3]!.id, "y", "an unreadable eventTime: placed by the time it was added at");
  });
});
