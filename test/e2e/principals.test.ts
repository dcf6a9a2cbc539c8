import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { Simulator } from "../../src/simulator/server.js";
import { parseDuration } from "../../src/time.js";
import {
  allFiles,
  assertSameKeys,
  type EnterpriseSetup,
  envFor,
  eventsFile,
  fetch,
  HOUR,
  leastTimeToGiveUp,
  leastTimeToPage,
  logLines,
  OPERATOR_USER,
  operatorEnv,
  PARTNER_TOKEN,
  readLines,
  startOperatorSim,
  statePath,
  tempDir,
  writtenFolders,
} from "../helpers/kit.js";

/** Enterprises of partner `proxyId` (none: a direct customer), each with 50 + id events. */
const multiSim = (names: Array<[number, string, number | undefined]>) =>
  startOperatorSim(
    names.map(([id, name, proxyId]): EnterpriseSetup => ({
      id,
      name,
      proxyId,
      events: { count: 50 + id, oldest: HOUR },
    })),
  );

const ABG: Array<[number, string, number | undefined]> = [
  [1, "Alpha", 7],
  [2, "Beta", 7],
  [3, "Gamma", undefined],
];
const ALPHA = [1, "Alpha"] as const;
const BETA = [2, "Beta"] as const;
const GAMMA = [3, "Gamma"] as const;

/** An operator's `fetch --since 2h` into a fresh data dir. */
async function fetchAsOperator(sim: Simulator, extra: Record<string, string> = {}) {
  const dir = tempDir();
  return { dir, r: await fetch(operatorEnv(sim, dir, extra), "--since", "2h") };
}

describe("operators, partners and hostile enterprise names", () => {
  it("an operator token polls every enterprise, each into its own folder", async () => {
    const sim = await multiSim(ABG);
    const { dir, r } = await fetchAsOperator(sim);
    assert.equal(r.code, 0, r.stderr);
    assertSameKeys(dir, sim, [ALPHA, BETA, GAMMA]);
    assert.ok(sim.count("network/getNetworkEnterprises") >= 1);
  });

  it("a partner token sees only its own enterprises; VCO_ENTERPRISE_IDS narrows the set", async () => {
    const sim = await multiSim([
      [1, "Alpha", 7],
      [2, "Beta", 7],
      [3, "Other Partner's", 8],
    ]);
    const dir = tempDir();
    const env = envFor(sim, dir, { VCO_TOKEN: PARTNER_TOKEN });
    const r = await fetch(env, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(writtenFolders(dir).sort(), ["Alpha", "Beta"]);

    const narrowed = tempDir();
    const r2 = await fetch(
      { ...env, VCO_DATA_DIR: narrowed, VCO_ENTERPRISE_IDS: "2" },
      "--since",
      "2h",
    );
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(writtenFolders(narrowed), ["Beta"]);

    const wrong = await fetch({ ...env, VCO_DATA_DIR: tempDir(), VCO_ENTERPRISE_IDS: "3" });
    assert.equal(wrong.code, 78);
    assert.match(wrong.stderr, /VCO_ENTERPRISE_IDS names 3.*1 \(Alpha\), 2 \(Beta\)/);
  });

  it("an operator password login uses operatorLogin", async () => {
    const sim = await multiSim([[1, "Alpha", 7]]);
    const dir = tempDir();
    const env = {
      VCO_HOSTNAME: sim.baseUrl,
      VCO_USERNAME: OPERATOR_USER.username,
      VCO_PASSWORD: OPERATOR_USER.password,
      VCO_DATA_DIR: dir,
    };
    const asEnterprise = await fetch(env);
    assert.equal(asEnterprise.code, 77);
    assert.match(asEnterprise.stderr, /VCO_LOGIN_TYPE=operator/);
    const r = await fetch({ ...env, VCO_LOGIN_TYPE: "operator" }, "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sim.count("login/operatorLogin"), 1);
    assert.equal(readLines(eventsFile(dir, "Alpha")).length, 51);
  });

  it("hostile names never write outside the data dir, and never collide", async () => {
    const hostile: Array<[number, string, number | undefined]> = [
      [1, "../../escape", 7],
      [2, "/etc/passwd", 7],
      [3, ".", 7],
      [4, "..", 7],
      [5, "", 7],
      [6, "Société Générale / Paris", 7],
      [7, ".state", 7],
      [8, "a\u0000b\nc", 7],
      [9, "東京 支店", 7],
      [10, "ACME", 7],
      [11, "acme", 7],
      [12, "x".repeat(400), 7],
    ];
    const sim = await multiSim(hostile);
    const parent = tempDir();
    const dir = path.join(parent, "data");
    const r = await fetch(operatorEnv(sim, dir), "--since", "2h");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(parent), ["data"], "nothing beside the data dir");
    const files = allFiles(dir)
      .map((f) => path.relative(dir, f))
      .filter((f) => f.endsWith("events.json"));
    assert.equal(files.length, hostile.length, `one file per enterprise: ${files.join(", ")}`);
    for (const f of files) {
      assert.equal(f.split(path.sep).length, 2, `one level deep: ${f}`);
      assert.ok(!f.startsWith("."), `not hidden: ${f}`);
    }
    assert.ok(files.includes(path.join("Société_Générale_Paris", "events.json")));
    assert.ok(files.includes(path.join("東京_支店", "events.json")));
  });

  it("a renamed enterprise keeps its cursor: no event is fetched twice into the new folder", async () => {
    const sim = await multiSim([[1, "Old Name", 7]]);
    const dir = tempDir();
    const env = operatorEnv(sim, dir);
    assert.equal((await fetch(env, "--since", "2h")).code, 0);
    sim.enterprises.get(1)!.name = "New Name";
    fs.rmSync(statePath(dir, "enterprises.json"));
    // A few seconds back: a window ends at the VCO's now, to the second and never ahead of it.
    sim.enterprises.get(1)!.store.add(Date.now() - 4_000);
    const r = await fetch(env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readLines(eventsFile(dir, "Old_Name")).length, 51);
    assert.equal(readLines(eventsFile(dir, "New_Name")).length, 1);
  });
});

describe("many enterprises at once", () => {
  /** When each enterprise's summary line (written, or failed) was logged, ms after the first line. */
  const finishedAt = (stdout: string) => {
    const lines = logLines(stdout);
    const t0 = Date.parse(String(lines[0]?.time));
    const at = new Map<string, number>();
    for (const l of lines) {
      if (l.event === "enterprise-done" || l.event === "enterprise-failed")
        at.set(String(l.enterprise), Date.parse(String(l.time)) - t0);
    }
    return at;
  };

  it("one enterprise that keeps failing does not hold up the others", async () => {
    const budget = "6s";
    const sim = await multiSim(ABG);
    sim.enterpriseTrouble.set(2, { fault: "unavailable" });
    const { dir, r } = await fetchAsOperator(sim, { VCO_RETRY_BUDGET: budget });
    assert.equal(r.code, 75, r.stderr);
    assertSameKeys(dir, sim, [ALPHA, GAMMA]);
    const at = finishedAt(r.stdout);
    // Beta cannot give up before the backoff steps that always fit its budget are waited (at
    // their shortest: 0.4 + 0.8 + 1.6 s for 6 s); the others are done before that.
    const least = leastTimeToGiveUp(parseDuration(budget)!);
    assert.ok(at.get("Beta")! >= least, `Beta gave up after its budget (${at.get("Beta")} ms)`);
    assert.ok(at.get("Alpha")! < least && at.get("Gamma")! < least, JSON.stringify([...at]));
  });

  it("one slow enterprise with a long backlog does not hold up the others", async () => {
    const sim = await multiSim(ABG);
    // Beta: 20,000 events (ten pages and more) at 400 ms a page, slower than the rest together.
    const backlog = 20_000;
    const msPerPage = 400;
    sim.enterprises.get(2)!.store.addSpread(backlog, Date.now() - HOUR, Date.now() - 2000);
    sim.enterpriseTrouble.set(2, { delayMs: msPerPage });
    const { dir, r } = await fetchAsOperator(sim);
    assert.equal(r.code, 0, r.stderr);
    assertSameKeys(dir, sim, [ALPHA, BETA, GAMMA]);
    const at = finishedAt(r.stdout);
    // Beta takes at least its pages times 400 ms, three at once (1.6 s); the others are done
    // before Beta could be.
    const least = leastTimeToPage(backlog, msPerPage);
    assert.ok(at.get("Beta")! >= least, `Beta is slow (${at.get("Beta")} ms)`);
    assert.ok(at.get("Alpha")! < least && at.get("Gamma")! < least, JSON.stringify([...at]));
  });
});
