import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { it } from "node:test";
import { readSeenJson } from "../../src/dedupe/seen-json.js";
import { SeenWindow } from "../../src/dedupe/seen-window.js";
import { StorageError } from "../../src/errors.js";
import {
  ensureStateDir,
  loadState,
  saveState,
  type EnterpriseState,
} from "../../src/store/state.js";
import { tempDir } from "../helpers/kit.js";

const KEYS = ["0", "42", 'a"b', "back\\slash", "tab\t", "é-ü", "\u{1F600}", "x".repeat(300)];

const windowJson = (w: SeenWindow): Buffer =>
  Buffer.concat(Array.from(w.json(), (piece) => Buffer.from(piece)));

it("reads a saved window back key for key, escaped and non-ASCII keys too", () => {
  const w = new SeenWindow();
  for (let i = 0; i < 5000; i++) w.add(`k${i}`, 1_000 + i);
  KEYS.forEach((k, i) => w.add(k, 9_000 + i));
  for (const text of [windowJson(w), Buffer.from(JSON.stringify(w.toJSON(), null, 2))]) {
    const back = new SeenWindow();
    assert.equal(readSeenJson(text, 0, back), text.length);
    assert.deepEqual(back.toJSON(), w.toJSON());
    for (const k of KEYS) assert.ok(back.has(k), `has ${JSON.stringify(k)}`);
  }
  const empty = Buffer.from("[]");
  assert.equal(readSeenJson(empty, 0, new SeenWindow()), 2);
});

it("refuses anything that is not a list of [key, time] pairs", () => {
  for (const bad of [
    "",
    "{}",
    '[["a",1]',
    '[["a",1],]',
    '[["a" 1]]',
    '[["a","1"]]',
    '[["a",]]',
    "[[1,1]]",
    '[["a",1,2]]',
    '[["a\n",1]]',
    '[["unterminated,1]]',
    '[["a",1e999]]',
  ]) {
    assert.equal(readSeenJson(Buffer.from(bad), 0, new SeenWindow()), -1, JSON.stringify(bad));
    assert.equal(readSeenJson(Buffer.from(bad), 0), -1, `${JSON.stringify(bad)}, checked only`);
  }
});

function state(over: Partial<EnterpriseState> = {}): EnterpriseState {
  return {
    version: 1,
    vco: "https://vco.example.com",
    enterpriseId: 7,
    enterpriseName: 'Tricky "seen":[["x",1]] Corp',
    folder: "Tricky_seen_x_1_Corp",
    cursor: 5_000,
    seen: [],
    file: { ino: 1, size: 10 },
    lastRun: null,
    lastSuccessAt: null,
    lastError: { at: "2026-11-30T00:00:00.000Z", message: 'a "seen": [ in a message' },
    ...over,
  };
}

it("loads a state file's window straight into a SeenWindow, as the file written either way has it", async () => {
  const dir = tempDir();
  await ensureStateDir(dir);
  const w = new SeenWindow();
  KEYS.forEach((k, i) => w.add(k, 4_000 + i));
  // Streamed (the window last) and as an older version wrote it (JSON.stringify, window inside).
  for (const save of [
    () => saveState(dir, state(), w.json()),
    () => saveState(dir, state({ seen: w.toJSON() })),
  ]) {
    await save();
    const into = new SeenWindow();
    const lean = await loadState(dir, 7, into);
    assert.deepEqual(into.toJSON(), w.toJSON());
    assert.deepEqual(lean, state(), "everything else as saved, and no array of pairs");
    const full = await loadState(dir, 7);
    assert.deepEqual(full, state({ seen: w.toJSON() }));
    assert.deepEqual(await loadState(dir, 7, "skip"), state());
  }
});

it("a state file damaged inside its window is refused, not read as an empty window", async () => {
  const dir = tempDir();
  await ensureStateDir(dir);
  const file = path.join(dir, ".state", "enterprise-7.json");
  const good = JSON.stringify(state({ seen: [["a", 1]] }));
  for (const text of [
    good.replace('[["a",1]]', '[["a",1]'),
    good.replace('"seen":', '"seem":'),
    good.slice(0, -5),
  ]) {
    fs.writeFileSync(file, text);
    await assert.rejects(loadState(dir, 7, new SeenWindow()), StorageError, text);
    await assert.rejects(loadState(dir, 7, "skip"), StorageError, text);
  }
  assert.equal(await loadState(tempDir(), 7, new SeenWindow()), undefined, "no file: no state");
});
