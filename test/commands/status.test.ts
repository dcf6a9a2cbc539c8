import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { statusCommand } from "../../src/commands/status.js";
import { StaleError } from "../../src/errors.js";
import { ensureStateDir, saveState, type EnterpriseState } from "../../src/store/state.js";
import { runCli, tempDir } from "../helpers/kit.js";

const now = Date.parse("2024-05-01T12:00:00Z");
const state = (id: number, lastSuccessAt: string | null, error?: string): EnterpriseState => ({
  version: 1,
  vco: "https://vco.example.com",
  enterpriseId: id,
  enterpriseName: `Ent ${id}`,
  folder: `Ent_${id}`,
  cursor: now - 60_000,
  seen: [],
  file: null,
  lastRun: {
    startedAt: "2024-05-01T11:59:00Z",
    finishedAt: "2024-05-01T11:59:01Z",
    ok: !error,
    fetched: 5,
    written: 4,
    duplicates: 1,
    pages: 1,
    ...(error ? { error } : {}),
  },
  lastSuccessAt,
  lastError: error ? { at: "2024-05-01T11:59:01Z", message: error } : null,
});

describe("status", () => {
  it("prints each enterprise's cursor, last success and its age, written count and last error", async () => {
    const dir = tempDir();
    await ensureStateDir(dir);
    await saveState(dir, state(1, "2024-05-01T11:50:00Z"));
    await saveState(dir, state(2, "2024-05-01T10:00:00Z", "VCO answered HTTP 503"));
    let text = "";
    const rows = await statusCommand({
      env: {},
      dataDir: dir,
      clock: { now: () => now, sleep: async () => {} },
      out: (t) => (text += t),
    });
    assert.equal(rows.length, 2);
    assert.equal(rows[0]!.lastSuccessAgeSeconds, 600);
    assert.match(text, /Ent 1 \(id 1\) -> Ent_1\/events.json/);
    assert.match(text, /last success: +2024-05-01T11:50:00Z \(10m ago\)/);
    assert.match(text, /last run: +FAILED, 4 events written/);
    assert.match(text, /last error: +2024-05-01T11:59:01Z: VCO answered HTTP 503/);
  });

  it("--max-age fails when an enterprise has not succeeded for that long, naming it", async () => {
    const dir = tempDir();
    await ensureStateDir(dir);
    await saveState(dir, state(1, "2024-05-01T11:50:00Z"));
    const clock = { now: () => now, sleep: async () => {} };
    await statusCommand({ env: {}, dataDir: dir, maxAge: "45m", clock, out: () => {} });
    await saveState(dir, state(2, "2024-05-01T10:00:00Z", "boom"));
    await assert.rejects(
      statusCommand({ env: {}, dataDir: dir, maxAge: "45m", clock, out: () => {} }),
      (e: unknown) =>
        e instanceof StaleError &&
        /Ent 2: no successful run in the last 45m \(last error: boom\)/.test(e.message),
    );
    await assert.rejects(
      statusCommand({ env: {}, dataDir: tempDir(), maxAge: "45m", clock, out: () => {} }),
      /no successful run yet/,
    );
  });

  it("the CLI prints JSON with --json and exits 75 on a stale --max-age", async () => {
    const dir = tempDir();
    await ensureStateDir(dir);
    await saveState(dir, state(1, "2024-05-01T11:50:00Z"));
    const r = await runCli(["status", "--json", "--data-dir", dir], {});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).enterprises[0].enterpriseId, 1);
    const stale = await runCli(["status", "--max-age", "45m", "--data-dir", dir], {});
    assert.equal(stale.code, 75);
    assert.match(stale.stderr, /no successful run in the last 45m/);
    const bad = await runCli(["status", "--max-age", "soon", "--data-dir", dir], {});
    assert.equal(bad.code, 78);
  });

  it("lists the partner and operator streams; --max-age checks those in VCO_STREAMS only", async () => {
    const dir = tempDir();
    await ensureStateDir(dir);
    await saveState(dir, state(1, "2024-05-01T11:50:00Z"));
    const stale = { ...state(0, "2024-05-01T06:00:00Z"), stream: "operator" as const };
    await saveState(dir, { ...stale, enterpriseName: "operator events", folder: "_operator" });
    const clock = { now: () => now, sleep: async () => {} };
    let text = "";
    const rows = await statusCommand({ env: {}, dataDir: dir, clock, out: (t) => (text += t) });
    assert.equal(rows.length, 2);
    assert.match(text, /^operator stream -> _operator\/events.json$/m);
    let json = "";
    await statusCommand({ env: {}, dataDir: dir, clock, json: true, out: (t) => (json += t) });
    const doc = JSON.parse(json);
    assert.deepEqual(
      doc.streams.map((r: { stream: string }) => r.stream),
      ["operator"],
    );
    assert.equal(doc.enterprises.length, 1);
    const quiet = () => {};
    // Still fetched: six hours without success fails the healthcheck.
    await assert.rejects(
      statusCommand({
        env: { VCO_STREAMS: "enterprise,operator" },
        dataDir: dir,
        clock,
        maxAge: "1h",
        out: quiet,
      }),
      (e) => e instanceof StaleError && /operator events/.test(e.message),
    );
    // Taken out of VCO_STREAMS: its state stays, the healthcheck no longer expects it to move.
    await statusCommand({ env: {}, dataDir: dir, clock, maxAge: "1h", out: quiet });
  });
});
