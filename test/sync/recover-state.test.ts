import assert from "node:assert/strict";
import { it } from "node:test";
import { recoverState } from "../../src/sync/recover-state.js";
import { ensureStateDir, saveState, type EnterpriseState } from "../../src/store/state.js";
import { silentLogger, tempDir } from "../helpers/kit.js";

const MINUTE = 60_000;

it("a cursor pulled back from the VCO's future takes seenFrom back with it, so the next run asks from there", async () => {
  // An older version trusted our clock while the VCO's ran an hour behind: the cursor, and the
  // seenFrom an overlap behind it, are in the VCO's future. The newest event written is a minute
  // before the VCO's now.
  const dir = tempDir();
  await ensureStateDir(dir);
  const vcoNow = Date.UTC(2026, 0, 1, 12);
  const overlapMs = 15 * MINUTE;
  const cursor = vcoNow + 60 * MINUTE;
  const state: EnterpriseState = {
    version: 1,
    vco: "https://vco.example.com",
    enterpriseId: 7,
    enterpriseName: "ACME",
    folder: "ACME",
    cursor,
    seenFrom: cursor - overlapMs,
    seen: [
      ["41", vcoNow - 3 * MINUTE],
      ["42", vcoNow - MINUTE],
    ],
    file: null,
    lastRun: null,
    lastSuccessAt: null,
    lastError: null,
  };
  await saveState(dir, state);
  const r = await recoverState({
    dataDir: dir,
    vco: state.vco,
    ref: 7,
    name: "ACME",
    folder: "ACME",
    overlapMs,
    vcoNow,
    log: silentLogger(),
  });
  assert.equal(r.cursor, vcoNow - MINUTE, "back to the newest event written");
  // The run asks from max(cursor - overlap, seenFrom): left in the future, seenFrom would skip
  // every event between the newest written and the VCO's now.
  assert.equal(r.seenFrom, r.cursor);
  assert.ok(r.seen.has("42") && r.seen.has("41"), "the window still dedupes what was written");
  assert.equal(r.asSaved, false, "the pulled-back cursor is committed before the run");
});
