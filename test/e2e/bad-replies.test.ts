// Bad replies: valid JSON of the wrong shape, events without eventTime or without any id, an empty
// enterprise list. Each is one clear line (exit 76), never a stack trace, never a half-written
// state; what was committed before stays. Unknown extra fields pass through untouched.
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import {
  assertExactSet,
  assertOneLineError,
  envFor,
  eventsUpTo,
  fetch,
  HOUR,
  OPERATOR_TOKEN,
  PARTNER_TOKEN,
  readState,
  simFixture,
  startOperatorSim,
  statePath,
  tempDir,
  writtenFolders,
} from "../helpers/kit.js";

describe("bad replies: one clear line, exit 76, nothing half-written", () => {
  it("valid JSON of the wrong shape mid-backfill: the slices before it stay committed", async () => {
    const { sim, store, dir, env, file } = await simFixture({
      events: { count: 40_000, oldest: 6 * HOUR },
      // Let the probe and the first slices through, then answer {"data":"nope"} to every events
      // request: slices walked side by side must not lose the bad reply in one that was dropped.
      script: Array<null>(12).fill(null),
    });
    sim.faults.wrongShape = 1;
    const r = await fetch(env, "--since", "7h");
    assert.equal(r.code, 76, r.stderr);
    assertOneLineError(r, /unexpected reply from event\/getEnterpriseEvents: .*metaData/);
    const state = readState(dir)!;
    assert.ok(state.cursor !== null, "the first slice was committed");
    assertExactSet([file], eventsUpTo(store.all(), state.cursor));
    assert.match(state.lastError?.message ?? "", /unexpected reply/);

    sim.faults.wrongShape = 0;
    const again = await fetch(env);
    assert.equal(again.code, 0, again.stderr);
    assertExactSet([file], store.all());
  });

  for (const [what, broken, message] of [
    [
      "an event without eventTime",
      (e: Record<string, unknown>) => delete e.eventTime,
      /event \d+ has no eventTime/,
    ],
    [
      "an event with neither id nor logicalId",
      (e: Record<string, unknown>) => delete e.id,
      /an event has neither an id nor a logicalId/,
    ],
  ] as const) {
    it(`${what}: nothing of its window is written and the cursor stays`, async () => {
      const { store, dir, env, file } = await simFixture({
        events: { count: 500, oldest: HOUR, newest: 60_000 },
      });
      assert.equal((await fetch(env, "--since", "2h")).code, 0);
      const stateBefore = readState(dir)!;
      const fileBefore = fs.readFileSync(file);

      store.add(Date.now() - 2000); // a good event in the same window is not written either
      const bad = { ...store.factory.make(Date.now() - 1000), surprise: true };
      broken(bad);
      store.add(Date.now() - 1000, { raw: bad });
      const r = await fetch(env);
      assert.equal(r.code, 76, r.stderr);
      assertOneLineError(r, message);
      assert.ok(fs.readFileSync(file).equals(fileBefore), "events.json untouched");
      const after = readState(dir)!;
      assert.equal(after.cursor, stateBefore.cursor, "cursor unmoved");
      assert.deepEqual(after.seen, stateBefore.seen, "dedupe window unchanged");
      assert.deepEqual(after.file, stateBefore.file, "file mark unchanged");
      assert.doesNotThrow(() =>
        JSON.parse(fs.readFileSync(statePath(dir, "enterprise-1.json"), "utf8")),
      );
    });
  }

  for (const [principal, token] of [
    ["operator", OPERATOR_TOKEN],
    ["partner", PARTNER_TOKEN],
  ] as const) {
    it(`an empty enterprise list (${principal}): exit 76 saying the account sees none`, async () => {
      const sim = await startOperatorSim([]);
      const dir = tempDir();
      const r = await fetch(envFor(sim, dir, { VCO_TOKEN: token }));
      assert.equal(r.code, 76, r.stderr);
      assertOneLineError(r, new RegExp(`the ${principal} account sees no enterprises`));
      assert.deepEqual(writtenFolders(dir), [], "no event folders");
    });
  }

  it("the wrong shape for the enterprise itself: one line, no stack trace, nothing written", async () => {
    const { dir, env } = await simFixture({
      script: ["wrongShape"],
      faultMethods: ["enterprise/getEnterprise"],
    });
    const r = await fetch(env);
    assert.equal(r.code, 76, r.stderr);
    assertOneLineError(r, /unexpected reply from enterprise\/getEnterprise/);
    assert.deepEqual(writtenFolders(dir), []);
  });
});

describe("events pass through untouched", () => {
  it("unknown extra fields, nested values, unicode and escapes: each line is the event as sent", async () => {
    for (const shape of ["classic", "6.2"] as const) {
      const { store, env, file } = await simFixture({ options: { shape } });
      const t0 = Date.now() - 30 * 60_000;
      for (let i = 0; i < 50; i++) {
        const base = store.factory.make(t0 + i * 1000);
        store.add(t0 + i * 1000, {
          raw: {
            ...base,
            futureField: {
              nested: [1, 2.5, -0.001, 1e21, null, true, "x"],
              deep: { a: { b: {} } },
            },
            emptyArray: [],
            text: `line\nbreak "quoted" \\ tab\t naïve 東京 🚀 \u0001 ${i}`,
            detail: JSON.stringify({ inner: "json in a string", n: i }),
            zero: 0,
            negative: -42,
            nothing: null,
          },
        });
      }
      const r = await fetch(env, "--since", "1h");
      assert.equal(r.code, 0, r.stderr);
      const expected = store.all();
      const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
      assert.equal(lines.length, expected.length);
      const byKey = new Map(expected.map((e) => [String(e.id ?? e.logicalId), JSON.stringify(e)]));
      for (const line of lines) {
        const e = JSON.parse(line) as Record<string, unknown>;
        assert.equal(line, byKey.get(String(e.id ?? e.logicalId)), `${shape}: byte for byte`);
      }
    }
  });

  it("an event the VCO prints over several lines is written on one line; the others as sent", async () => {
    const { store, env, file } = await simFixture();
    const t0 = Date.now() - 30 * 60_000;
    const pretty = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const e = store.add(t0 + i * 1000, {
        raw: store.factory.make(t0 + i * 1000),
        ...(i % 10 === 3 ? { indent: 2 } : {}),
      });
      if (i % 10 === 3) pretty.add(String(e.id));
    }
    // One line each, as JSON.stringify writes it (the store renders events that way); that the
    // other events of such a page keep their own bytes is checked in test/vco/event-scan.test.ts.
    const served = new Map<string, string>();
    for (const e of store.all()) served.set(String(e.id), JSON.stringify(e));
    const r = await fetch(env, "--since", "1h");
    assert.equal(r.code, 0, r.stderr);
    const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
    assert.equal(lines.length, 40);
    for (const line of lines) {
      const id = String((JSON.parse(line) as { id: unknown }).id);
      assert.equal(line, served.get(id), pretty.has(id) ? "pretty: one line" : "as sent");
    }
  });
});
