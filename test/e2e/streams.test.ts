// The partner and operator streams end to end: the built CLI against the simulator, exact event
// sets per enterprise and per stream, with filters on and off, legacy paging, kill -9 mid-stream,
// an account that may not read a stream, and status.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { NO_FILTER, type EventFilter } from "../../src/filter/event-filter.js";
import { matches } from "../../src/filter/match.js";
import type { SimulatorOptions } from "../../src/simulator/server.js";
import {
  assertExactSet,
  assertOneLineError,
  assertSameKeys,
  envFor,
  eventsFile,
  fetch,
  HOUR,
  killHard,
  logLines,
  MINUTE,
  OPERATOR_TOKEN,
  PARTNER_ID,
  PARTNER_TOKEN,
  runCli,
  sizeOf,
  spawnCli,
  startOperatorSim,
  statePath,
  tempDir,
  TOKEN,
  writtenFolders,
} from "../helpers/kit.js";

const PARTNER_FILE = (dir: string) => eventsFile(dir, "_partner");
const OPERATOR_FILE = (dir: string) => eventsFile(dir, "_operator");

/** Alpha and Beta (partner 7), Gamma (a direct customer); partner and operator events of their own. */
async function streamSim(o: { partner?: number; operator?: number; options?: SimulatorOptions }) {
  const sim = await startOperatorSim(
    [
      { id: 1, name: "Alpha", proxyId: PARTNER_ID, events: { count: 300, oldest: HOUR } },
      { id: 2, name: "Beta", proxyId: PARTNER_ID, events: { count: 200, oldest: HOUR } },
      { id: 3, name: "Gamma", events: { count: 100, oldest: HOUR } },
    ],
    o.options,
  );
  const now = sim.now();
  sim.partnerEvents(PARTNER_ID).addSpread(o.partner ?? 400, now - HOUR, now - 1000);
  sim.operatorStore.addSpread(o.operator ?? 500, now - HOUR, now - 1000);
  // A customer of Gamma's, for the refusals.
  sim.addToken(TOKEN, { type: "customer", enterpriseId: 3 });
  return sim;
}

const only = (f: Partial<EventFilter>) => (e: Record<string, unknown>) =>
  matches({ ...NO_FILTER, ...f }, e as never);

describe("partner and operator streams", () => {
  it("an operator fetches its enterprises and its own events, each into its own folder, once", async () => {
    const sim = await streamSim({});
    const dir = tempDir();
    const env = envFor(sim, dir, { VCO_TOKEN: OPERATOR_TOKEN, VCO_STREAMS: "enterprise,operator" });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assertSameKeys(dir, sim, [
      [1, "Alpha"],
      [2, "Beta"],
      [3, "Gamma"],
    ]);
    assertExactSet([OPERATOR_FILE(dir)], sim.operatorStore.all());
    assert.ok(fs.existsSync(statePath(dir, "operator.json")));
    assert.deepEqual(writtenFolders(dir).sort(), ["Alpha", "Beta", "Gamma", "_operator"]);

    // New events, one of them late (inside the overlap): written once, nothing doubled.
    const now = sim.now();
    sim.operatorStore.addSpread(50, now - 5 * MINUTE, now - 1000);
    const again = await fetch(env);
    assert.equal(again.code, 0, again.stderr);
    assertExactSet([OPERATOR_FILE(dir)], sim.operatorStore.all());

    const status = await runCli(["status"], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /operator stream -> _operator\/events\.json/);
    const json = JSON.parse((await runCli(["status", "--json"], env)).stdout);
    const op = json.streams.find((s: { stream: string }) => s.stream === "operator");
    assert.equal(op.folder, "_operator");
    assert.ok(op.lastSuccessAt);
    const healthy = await runCli(["status", "--max-age", "1h"], env);
    assert.equal(healthy.code, 0, healthy.stderr);
  });

  it("VCO_STREAMS=partner alone lists no enterprise and writes only the partner's own events", async () => {
    const sim = await streamSim({});
    const dir = tempDir();
    const env = envFor(sim, dir, { VCO_TOKEN: PARTNER_TOKEN, VCO_STREAMS: "partner" });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(writtenFolders(dir), ["_partner"]);
    assertExactSet([PARTNER_FILE(dir)], sim.partnerEvents(PARTNER_ID).all());
    assert.equal(sim.count("enterpriseProxy/getEnterpriseProxyEnterprises"), 0);
    assert.equal(sim.count("enterprise/getEnterprise"), 0);
    assert.equal(sim.count("event/getEnterpriseEvents"), 0);
  });

  it("filters: exactly the matching events per enterprise and per stream, asked of the VCO where it can", async () => {
    const sim = await streamSim({});
    const all = sim.operatorStore.all();
    const cases: Array<[Record<string, string>, Partial<EventFilter>]> = [
      [{ VCO_MIN_SEVERITY: "WARNING" }, { minSeverity: "WARNING" }],
      [
        { VCO_EVENTS_INCLUDE: "LINK_*,EDGE_HA_FAILOVER", VCO_EVENTS_EXCLUDE: "LINK_ALIVE" },
        { include: ["LINK_*", "EDGE_HA_FAILOVER"], exclude: ["LINK_ALIVE"] },
      ],
      [
        { VCO_EVENTS_EXCLUDE: "EDGE_*", VCO_CATEGORIES: "network,security" },
        { exclude: ["EDGE_*"], categories: ["NETWORK", "SECURITY"] },
      ],
    ];
    for (const [vars, filter] of cases) {
      const dir = tempDir();
      const env = envFor(sim, dir, {
        VCO_TOKEN: OPERATOR_TOKEN,
        VCO_STREAMS: "enterprise,operator",
        ...vars,
      });
      const r = await fetch(env, "--since", "2h");
      assert.equal(r.code, 0, r.stderr);
      const keep = only(filter);
      const want = all.filter(keep);
      assert.ok(want.length > 0 && want.length < all.length, JSON.stringify(vars));
      assertExactSet([OPERATOR_FILE(dir)], want);
      for (const [id, folder] of [
        [1, "Alpha"],
        [3, "Gamma"],
      ] as const) {
        assertExactSet(
          [eventsFile(dir, folder)],
          sim.enterprises.get(id)!.store.all().filter(keep),
        );
      }
    }
  });

  it("a filter changed between runs applies to events fetched from then on", async () => {
    const sim = await streamSim({ operator: 0 });
    const store = sim.operatorStore;
    const t0 = sim.now();
    store.addSpread(400, t0 - 2 * HOUR, t0 - HOUR); // long behind the overlap by run 2
    const dir = tempDir();
    const env = envFor(sim, dir, { VCO_TOKEN: OPERATOR_TOKEN, VCO_STREAMS: "operator" });
    const first = await fetch({ ...env, VCO_MIN_SEVERITY: "ERROR" }, "--since", "3h");
    assert.equal(first.code, 0, first.stderr);
    const old = store.all();
    store.addSpread(100, sim.now() - 10 * MINUTE, sim.now() - 1000);
    const second = await fetch(env);
    assert.equal(second.code, 0, second.stderr);
    const fresh = store.all().filter((e) => !old.includes(e) && !old.some((o) => o.id === e.id));
    assertExactSet([OPERATOR_FILE(dir)], [...old.filter(only({ minSeverity: "ERROR" })), ...fresh]);
  });

  it("pages a stream on a VCO without nextPageLink (legacy, 6.2 event shape), every event once", async () => {
    const sim = await streamSim({ operator: 5000, options: { legacyPaging: true, shape: "6.2" } });
    const dir = tempDir();
    const env = envFor(sim, dir, { VCO_TOKEN: OPERATOR_TOKEN, VCO_STREAMS: "operator" });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([OPERATOR_FILE(dir)], sim.operatorStore.all());
    assert.ok(sim.count("event/getOperatorEvents") >= 3, "several pages");
  });

  it("kill -9 in the middle of a stream, then a run: every event exactly once", async () => {
    const sim = await streamSim({ operator: 0, options: { latencyPerEventMs: 0.02 } });
    const now = sim.now();
    sim.operatorStore.addSpread(60_000, now - 20 * HOUR, now - 1000);
    const dir = tempDir();
    const env = envFor(sim, dir, { VCO_TOKEN: OPERATOR_TOKEN, VCO_STREAMS: "operator" });
    const file = OPERATOR_FILE(dir);
    const { child, done } = spawnCli(["fetch", "--since", "24h"], env);
    while (child.exitCode === null && sizeOf(file) === 0)
      await new Promise((r) => setTimeout(r, 2));
    await killHard(child);
    const killed = await done;
    assert.equal(killed.signal, "SIGKILL", "the kill landed while the run was under way");
    // A kill can land mid-write: the partial line is the next run's to cut, so count newlines.
    const lines = fs.readFileSync(file, "utf8").split("\n").length - 1;
    assert.ok(lines < 60_000, "killed before the end");
    const r = await fetch(env);
    assert.equal(r.code, 0, r.stderr);
    assertExactSet([file], sim.operatorStore.all());
  });

  it("a stream the account may not read is one line, exit 78, naming the stream and the fix", async () => {
    const sim = await streamSim({});
    for (const [token, streams, name] of [
      [TOKEN, "enterprise,operator", "operator"],
      [PARTNER_TOKEN, "operator", "operator"],
      [TOKEN, "partner", "partner"],
      [OPERATOR_TOKEN, "partner", "partner"],
    ] as const) {
      const dir = tempDir();
      const r = await fetch(
        envFor(sim, dir, { VCO_TOKEN: token, VCO_STREAMS: streams }),
        "--since",
        "2h",
      );
      assert.equal(r.code, 78, `${streams} with ${token}: ${r.stderr}`);
      assertOneLineError(
        r,
        new RegExp(
          `the ${name} stream cannot be read with this account: .*remove ${name} from VCO_STREAMS`,
        ),
      );
      if (streams.startsWith("enterprise")) {
        // The enterprise stream is not held back by the refused one.
        assertExactSet([eventsFile(dir, "Gamma")], sim.enterprises.get(3)!.store.all());
      }
      assert.ok(
        !fs.existsSync(path.join(dir, `_${name}`, "events.json")) ||
          sizeOf(path.join(dir, `_${name}`, "events.json")) === 0,
      );
    }
  });

  it("check queries each stream once: readable ones pass, a refused one FAILs (78) with the fix", async () => {
    const sim = await streamSim({});
    const ok = await runCli(
      ["check"],
      envFor(sim, tempDir(), {
        VCO_TOKEN: OPERATOR_TOKEN,
        VCO_STREAMS: "enterprise,operator",
        VCO_MIN_SEVERITY: "ERROR",
      }),
    );
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^ok +streams +operator readable \(_operator\/events\.json\)/m);
    const before = sim.count("event/getOperatorEvents");
    assert.ok(before >= 1);

    const refused = await runCli(
      ["check"],
      envFor(sim, tempDir(), { VCO_TOKEN: PARTNER_TOKEN, VCO_STREAMS: "partner,operator" }),
    );
    assert.equal(refused.code, 78, refused.stdout + refused.stderr);
    assert.match(
      refused.stdout,
      /^FAIL +streams +partner readable .*the operator stream cannot be read with this account.*fix: remove operator from VCO_STREAMS, or use an operator login/m,
    );
    assert.match(refused.stdout, /^ok +events +the enterprise stream is not in VCO_STREAMS/m);
  });

  it("faults and a rotation on a stream: every event once across both files", async () => {
    const sim = await streamSim({ operator: 6000 });
    sim.faultMethods = ["event/getOperatorEvents"];
    sim.script = ["serverError", null, "reset", "badGateway"];
    const dir = tempDir();
    const env = envFor(sim, dir, {
      VCO_TOKEN: OPERATOR_TOKEN,
      VCO_STREAMS: "operator",
      VCO_RETRY_BUDGET: "2m",
    });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sim.script.length, 0, "every scripted fault was served");
    assertExactSet([OPERATOR_FILE(dir)], sim.operatorStore.all());
    // logrotate's `create`: the file is renamed away, new events go to a new one.
    const rotated = `${OPERATOR_FILE(dir)}.1`;
    fs.renameSync(OPERATOR_FILE(dir), rotated);
    sim.operatorStore.addSpread(300, sim.now() - 3 * MINUTE, sim.now() - 1000);
    const again = await fetch(env);
    assert.equal(again.code, 0, again.stderr);
    assertExactSet([rotated, OPERATOR_FILE(dir)], sim.operatorStore.all());
  });

  it("an orchestrator that refuses filter.rules: filtered here instead, exactly the matching events", async () => {
    const sim = await streamSim({ options: { noRules: true } });
    const dir = tempDir();
    const env = envFor(sim, dir, {
      VCO_TOKEN: OPERATOR_TOKEN,
      VCO_STREAMS: "enterprise,operator",
      VCO_MIN_SEVERITY: "ERROR",
    });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    const keep = only({ minSeverity: "ERROR" });
    assertExactSet([OPERATOR_FILE(dir)], sim.operatorStore.all().filter(keep));
    assertExactSet([eventsFile(dir, "Beta")], sim.enterprises.get(2)!.store.all().filter(keep));
    const refusals = logLines(r.stdout).filter((l) => l.event === "filter-rules-refused");
    assert.equal(refusals.length, 4, "one per target: three enterprises and the stream");
  });
});
