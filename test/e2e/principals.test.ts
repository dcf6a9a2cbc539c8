import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { Simulator } from "../../src/simulator/server.js";
import { logLines, runCli } from "../helpers/cli.js";
import { keyOf, readLines, tempDir } from "../helpers/tmp.js";

const HOUR = 3_600_000;

async function multiSim(names: Array<[number, string, number | undefined]>): Promise<Simulator> {
  const sim = new Simulator();
  const now = Date.now();
  for (const [id, name, proxy] of names) {
    sim.addEnterprise(id, name, proxy).store.addSpread(50 + id, now - HOUR, now - 1000);
  }
  sim.addToken("op-token", { type: "operator" });
  sim.addToken("partner-token", { type: "partner", proxyId: 7 });
  sim.addUser({ username: "ops@vco", password: "op-pass", principal: { type: "operator" } });
  await sim.start();
  return sim;
}

/** Every file under dir, relative. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

describe("operators, partners and hostile enterprise names", () => {
  it("an operator token polls every enterprise, each into its own folder", async (t) => {
    const sim = await multiSim([
      [1, "Alpha", 7],
      [2, "Beta", 7],
      [3, "Gamma", undefined],
    ]);
    t.after(() => sim.stop());
    const dir = tempDir();
    const r = await runCli(["fetch", "--since", "2h"], {
      VCO_HOSTNAME: sim.baseUrl,
      VCO_TOKEN: "op-token",
      VCO_DATA_DIR: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    for (const [id, name] of [
      [1, "Alpha"],
      [2, "Beta"],
      [3, "Gamma"],
    ] as const) {
      const lines = readLines(path.join(dir, name, "events.json"));
      assert.deepEqual(
        new Set(lines.map(keyOf)),
        new Set(sim.enterprises.get(id)!.store.all().map(keyOf)),
      );
    }
    assert.ok(sim.count("network/getNetworkEnterprises") >= 1);
  });

  it("a partner token sees only its own enterprises; VCO_ENTERPRISE_IDS narrows the set", async (t) => {
    const sim = await multiSim([
      [1, "Alpha", 7],
      [2, "Beta", 7],
      [3, "Other Partner's", 8],
    ]);
    t.after(() => sim.stop());
    const dir = tempDir();
    const env = { VCO_HOSTNAME: sim.baseUrl, VCO_TOKEN: "partner-token", VCO_DATA_DIR: dir };
    const r = await runCli(["fetch", "--since", "2h"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      fs
        .readdirSync(dir)
        .filter((n) => n !== ".state")
        .sort(),
      ["Alpha", "Beta"],
    );

    const narrowed = tempDir();
    const r2 = await runCli(["fetch", "--since", "2h"], {
      ...env,
      VCO_DATA_DIR: narrowed,
      VCO_ENTERPRISE_IDS: "2",
    });
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(
      fs.readdirSync(narrowed).filter((n) => n !== ".state"),
      ["Beta"],
    );

    const wrong = await runCli(["fetch"], {
      ...env,
      VCO_DATA_DIR: tempDir(),
      VCO_ENTERPRISE_IDS: "3",
    });
    assert.equal(wrong.code, 78);
    assert.match(wrong.stderr, /VCO_ENTERPRISE_IDS names 3.*1 \(Alpha\), 2 \(Beta\)/);
  });

  it("an operator password login uses operatorLogin", async (t) => {
    const sim = await multiSim([[1, "Alpha", 7]]);
    t.after(() => sim.stop());
    const dir = tempDir();
    const env = {
      VCO_HOSTNAME: sim.baseUrl,
      VCO_USERNAME: "ops@vco",
      VCO_PASSWORD: "op-pass",
      VCO_DATA_DIR: dir,
    };
    const asEnterprise = await runCli(["fetch"], env);
    assert.equal(asEnterprise.code, 77);
    assert.match(asEnterprise.stderr, /VCO_LOGIN_TYPE=operator/);
    const r = await runCli(["fetch", "--since", "2h"], { ...env, VCO_LOGIN_TYPE: "operator" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sim.count("login/operatorLogin"), 1);
    assert.equal(readLines(path.join(dir, "Alpha", "events.json")).length, 51);
  });

  it("hostile names never write outside the data dir, and never collide", async (t) => {
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
    t.after(() => sim.stop());
    const parent = tempDir();
    const dir = path.join(parent, "data");
    const r = await runCli(["fetch", "--since", "2h"], {
      VCO_HOSTNAME: sim.baseUrl,
      VCO_TOKEN: "op-token",
      VCO_DATA_DIR: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(parent), ["data"], "nothing beside the data dir");
    const files = tree(dir).filter((f) => f.endsWith("events.json"));
    assert.equal(files.length, hostile.length, `one file per enterprise: ${files.join(", ")}`);
    for (const f of files) {
      assert.equal(f.split(path.sep).length, 2, `one level deep: ${f}`);
      assert.ok(!f.startsWith("."), `not hidden: ${f}`);
    }
    assert.ok(files.includes(path.join("Société_Générale_Paris", "events.json")));
    assert.ok(files.includes(path.join("東京_支店", "events.json")));
  });

  it("a renamed enterprise keeps its cursor: no event is fetched twice into the new folder", async (t) => {
    const sim = await multiSim([[1, "Old Name", 7]]);
    t.after(() => sim.stop());
    const dir = tempDir();
    const env = { VCO_HOSTNAME: sim.baseUrl, VCO_TOKEN: "op-token", VCO_DATA_DIR: dir };
    assert.equal((await runCli(["fetch", "--since", "2h"], env)).code, 0);
    sim.enterprises.get(1)!.name = "New Name";
    fs.rmSync(path.join(dir, ".state", "enterprises.json"));
    sim.enterprises.get(1)!.store.add(Date.now());
    const r = await runCli(["fetch"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readLines(path.join(dir, "Old_Name", "events.json")).length, 51);
    assert.equal(readLines(path.join(dir, "New_Name", "events.json")).length, 1);
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

  it("one enterprise that keeps failing does not hold up the others", async (t) => {
    const sim = await multiSim([
      [1, "Alpha", 7],
      [2, "Beta", 7],
      [3, "Gamma", undefined],
    ]);
    t.after(() => sim.stop());
    sim.enterpriseTrouble.set(2, { fault: "unavailable" });
    const dir = tempDir();
    const r = await runCli(["fetch", "--since", "2h"], {
      VCO_HOSTNAME: sim.baseUrl,
      VCO_TOKEN: "op-token",
      VCO_DATA_DIR: dir,
      VCO_RETRY_BUDGET: "6s",
    });
    assert.equal(r.code, 75, r.stderr);
    for (const [id, name] of [
      [1, "Alpha"],
      [3, "Gamma"],
    ] as const) {
      const lines = readLines(path.join(dir, name, "events.json"));
      assert.deepEqual(
        new Set(lines.map(keyOf)),
        new Set(sim.enterprises.get(id)!.store.all().map(keyOf)),
      );
    }
    const at = finishedAt(r.stdout);
    // Backoff 0.5, 1, 2 s (±20%) fits a 6 s budget, the next 4 s does not: at least 2.8 s.
    assert.ok(at.get("Beta")! >= 2_500, `Beta gave up after its budget (${at.get("Beta")} ms)`);
    assert.ok(at.get("Alpha")! < 2_000 && at.get("Gamma")! < 2_000, JSON.stringify([...at]));
  });

  it("one slow enterprise with a long backlog does not hold up the others", async (t) => {
    const sim = await multiSim([
      [1, "Alpha", 7],
      [2, "Beta", 7],
      [3, "Gamma", undefined],
    ]);
    t.after(() => sim.stop());
    // Beta: 20,000 events (ten pages and more) at 400 ms a page, slower than the rest together.
    sim.enterprises.get(2)!.store.addSpread(20_000, Date.now() - HOUR, Date.now() - 2000);
    sim.enterpriseTrouble.set(2, { delayMs: 400 });
    const dir = tempDir();
    const r = await runCli(["fetch", "--since", "2h"], {
      VCO_HOSTNAME: sim.baseUrl,
      VCO_TOKEN: "op-token",
      VCO_DATA_DIR: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    for (const [id, name] of [
      [1, "Alpha"],
      [2, "Beta"],
      [3, "Gamma"],
    ] as const) {
      const lines = readLines(path.join(dir, name, "events.json"));
      assert.equal(new Set(lines.map(keyOf)).size, sim.enterprises.get(id)!.store.all().length);
    }
    const at = finishedAt(r.stdout);
    // Pages of one query come one after another: ten and more at 400 ms, whatever overlaps.
    assert.ok(at.get("Beta")! >= 2_000, `Beta is slow (${at.get("Beta")} ms)`);
    assert.ok(at.get("Alpha")! < 1_500 && at.get("Gamma")! < 1_500, JSON.stringify([...at]));
  });
});
