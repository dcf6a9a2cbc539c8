import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { it } from "node:test";
import { runCli, tempDir } from "../helpers/kit.js";

const lines = (file: string) => fs.readFileSync(file, "utf8").split("\n").filter(Boolean);

it("the demo runs as often as a new user runs it, in the default folder", async () => {
  const cwd = tempDir();
  const file = path.join(cwd, "vco-events-demo", "ACME_Corp", "events.json");
  const first = await runCli(["demo"], { LOG_LEVEL: "warn" }, cwd);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /ACME Corp: 3000 new events \(0 already there\)/);
  assert.equal(lines(file).length, 3000);

  // Each demo is a new simulated VCO on a new port: the last demo's output is replaced, not
  // refused as another orchestrator's.
  const again = await runCli(["demo"], { LOG_LEVEL: "warn" }, cwd);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /last demo's output .* is replaced/);
  assert.equal(lines(file).length, 3000);
  const status = await runCli(["status", "--data-dir", "vco-events-demo"], {}, cwd);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /ACME Corp .*\n {2}cursor:/);
});

it("the demo leaves a folder it did not write alone", async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "precious.txt"), "mine");
  const r = await runCli(["demo", "--data-dir", dir], {});
  assert.equal(r.code, 78, r.stderr);
  assert.match(r.stderr, /already holds files the demo did not write.*--data-dir/);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.deepEqual(fs.readdirSync(dir), ["precious.txt"]);
});
