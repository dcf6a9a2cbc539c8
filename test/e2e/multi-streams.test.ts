// Several orchestrators (VCO_CONFIG) and the partner/operator streams with filters, together:
// the built CLI against three simulators at once, exact event sets per orchestrator, per
// enterprise and per stream, with filters on and off.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { NO_FILTER, type EventFilter } from "../../src/filter/event-filter.js";
import { matches } from "../../src/filter/match.js";
import {
  assertExactSet,
  assertOneLineError,
  eventsFile,
  HOUR,
  MINUTE,
  OPERATOR_TOKEN,
  PARTNER_ID,
  PARTNER_TOKEN,
  runCli,
  sizeOf,
  startOperatorSim,
  tempDir,
  writtenFolders,
} from "../helpers/kit.js";

const FILTER: Partial<EventFilter> = {
  minSeverity: "WARNING",
  exclude: ["LINK_D*"],
  categories: ["NETWORK", "SECURITY"],
};
const keep = (e: Record<string, unknown>) => matches({ ...NO_FILTER, ...FILTER }, e as never);

async function streamSim() {
  const sim = await startOperatorSim([
    { id: 1, name: "Alpha", proxyId: PARTNER_ID, events: { count: 300, oldest: HOUR } },
    { id: 2, name: "Beta", events: { count: 200, oldest: HOUR } },
  ]);
  const now = sim.now();
  sim.partnerEvents(PARTNER_ID).addSpread(300, now - HOUR, now - 1000);
  sim.operatorStore.addSpread(400, now - HOUR, now - 1000);
  return sim;
}

type Sim = Awaited<ReturnType<typeof streamSim>>;

function config(sims: { ops: Sim; msp: Sim; plain: Sim }, filterOn: boolean, extra = ""): string {
  const filter = filterOn
    ? `    filter: { minSeverity: WARNING, exclude: ["LINK_D*"], categories: [NETWORK, SECURITY] }\n`
    : "";
  return `orchestrators:
  - name: ops
    hostname: "${sims.ops.baseUrl}"
    token: \${OPS_TOKEN}
    streams: [enterprise, operator]
${filter}  - name: msp
    hostname: "${sims.msp.baseUrl}"
    token: \${MSP_TOKEN}
    streams: [partner]
  - name: plain
    hostname: "${sims.plain.baseUrl}"
    token: \${OPS_TOKEN}
${extra}`;
}

describe("several orchestrators with streams and filters (VCO_CONFIG)", () => {
  it("exact sets per orchestrator, enterprise and stream; late events once; a filter change; a refused stream", async () => {
    const sims = { ops: await streamSim(), msp: await streamSim(), plain: await streamSim() };
    const dir = tempDir();
    const file = path.join(dir, "vco.yaml");
    const data = path.join(dir, "data");
    const write = (text: string) => fs.writeFileSync(file, text, { mode: 0o600 });
    write(config(sims, true));
    const env = {
      VCO_CONFIG: file,
      VCO_DATA_DIR: data,
      OPS_TOKEN: OPERATOR_TOKEN,
      MSP_TOKEN: PARTNER_TOKEN,
    };
    const ent = (s: Sim, id: number) => s.enterprises.get(id)!.store.all();
    const expectAll = (filtered: (s: Sim, events: Array<Record<string, unknown>>) => unknown[]) => {
      const ops = path.join(data, "ops");
      assert.deepEqual(writtenFolders(ops).sort(), ["Alpha", "Beta", "_operator"]);
      assertExactSet(
        [eventsFile(ops, "_operator")],
        filtered(sims.ops, sims.ops.operatorStore.all()) as never,
      );
      assertExactSet([eventsFile(ops, "Alpha")], filtered(sims.ops, ent(sims.ops, 1)) as never);
      assertExactSet([eventsFile(ops, "Beta")], filtered(sims.ops, ent(sims.ops, 2)) as never);
      const msp = path.join(data, "msp");
      assert.deepEqual(writtenFolders(msp), ["_partner"]);
      assertExactSet([eventsFile(msp, "_partner")], sims.msp.partnerEvents(PARTNER_ID).all());
      const plain = path.join(data, "plain");
      assert.deepEqual(writtenFolders(plain).sort(), ["Alpha", "Beta"]);
      assertExactSet([eventsFile(plain, "Alpha")], ent(sims.plain, 1));
      assertExactSet([eventsFile(plain, "Beta")], ent(sims.plain, 2));
    };

    const r = await runCli(["fetch", "--since", "2h"], env);
    assert.equal(r.code, 0, r.stderr);
    const filtered = (_s: Sim, events: Array<Record<string, unknown>>) => events.filter(keep);
    for (const events of [sims.ops.operatorStore.all(), ent(sims.ops, 1)]) {
      const n = events.filter(keep).length;
      assert.ok(n > 0 && n < events.length, "the filter keeps some and drops some");
    }
    expectAll(filtered);
    assert.equal(
      sims.msp.count("event/getEnterpriseEvents"),
      0,
      "partner stream alone lists no enterprise",
    );

    // New and late events (inside the overlap) everywhere: written once, filter still on.
    for (const s of Object.values(sims)) {
      const now = s.now();
      s.operatorStore.addSpread(60, now - 5 * MINUTE, now - 3000);
      s.partnerEvents(PARTNER_ID).addSpread(60, now - 5 * MINUTE, now - 3000);
      s.enterprises.get(1)!.store.addSpread(60, now - 5 * MINUTE, now - 3000);
    }
    const second = await runCli(["fetch"], env);
    assert.equal(second.code, 0, second.stderr);
    expectAll(filtered);

    // Filter off in the file: events fetched from then on all pass; the old ones stay as they were,
    // except those inside the overlap, which are now written (never doubled).
    const before = {
      op: sims.ops.operatorStore.all(),
      alpha: ent(sims.ops, 1),
      beta: ent(sims.ops, 2),
    };
    write(config(sims, false));
    // An overlap of 1s keeps the re-read clear of the older events; the new ones come after the cursor.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const now = sims.ops.now();
    sims.ops.operatorStore.addSpread(40, now - 1500, now - 1000);
    sims.ops.enterprises.get(2)!.store.addSpread(40, now - 1500, now - 1000);
    const third = await runCli(["fetch"], { ...env, VCO_OVERLAP: "1s" });
    assert.equal(third.code, 0, third.stderr);
    const afterChange = (
      old: Array<Record<string, unknown>>,
      all: Array<Record<string, unknown>>,
    ) => [...old.filter(keep), ...all.filter((e) => !old.some((o) => o.id === e.id))];
    const ops = path.join(data, "ops");
    assertExactSet(
      [eventsFile(ops, "_operator")],
      afterChange(before.op, sims.ops.operatorStore.all()),
    );
    assertExactSet([eventsFile(ops, "Beta")], afterChange(before.beta, ent(sims.ops, 2)));
    assertExactSet([eventsFile(ops, "Alpha")], before.alpha.filter(keep));

    // status groups the streams per orchestrator; the healthcheck passes.
    const status = await runCli(["status", "--json"], env);
    assert.equal(status.code, 0, status.stderr);
    const doc = JSON.parse(status.stdout) as {
      orchestrators: Array<{ name: string; streams?: Array<{ stream: string; folder: string }> }>;
    };
    assert.deepEqual(
      doc.orchestrators.map((o) => [o.name, (o.streams ?? []).map((s) => s.stream).sort()]),
      [
        ["ops", ["operator"]],
        ["msp", ["partner"]],
        ["plain", []],
      ],
    );
    const healthy = await runCli(["status", "--max-age", "1h"], env);
    assert.equal(healthy.code, 0, healthy.stderr + healthy.stdout);

    // check shows each orchestrator's streams step.
    const check = await runCli(["check", "--json"], env);
    const report = JSON.parse(check.stdout) as {
      orchestrators: Array<{ name: string; steps: Array<{ step: string; status: string }> }>;
    };
    assert.deepEqual(
      report.orchestrators.map((o) => [o.name, o.steps.find((s) => s.step === "streams")?.status]),
      [
        ["ops", "pass"],
        ["msp", "pass"],
        ["plain", "pass"],
      ],
      check.stdout,
    );
    assert.equal(check.code, 0, check.stdout + check.stderr);

    // A stream the principal may not read: that orchestrator exits 78 in one line, others complete.
    const bad = await streamSim();
    write(
      config(
        sims,
        false,
        `  - name: bad\n    hostname: "${bad.baseUrl}"\n    token: \${MSP_TOKEN}\n    streams: [operator]\n`,
      ),
    );
    const n = sims.plain.enterprises.get(2)!.store;
    // Back to the default 15m after a run with 1s: the re-read stops where the seen window the 1s
    // run kept begins (seenFrom), so nothing is written twice.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    n.addSpread(30, sims.plain.now() - 1500, sims.plain.now() - 1000);
    const refused = await runCli(["fetch"], env);
    assert.equal(refused.code, 78, refused.stderr);
    assertOneLineError(refused, /bad: .*the operator stream cannot be read with this account/);
    assert.ok(!/ops:|msp:|plain:/.test(refused.stderr), refused.stderr);
    assertExactSet([eventsFile(path.join(data, "plain"), "Beta")], n.all());
    assert.equal(
      sizeOf(eventsFile(path.join(data, "bad"), "_operator")),
      0,
      "nothing written for bad",
    );
  });
});
