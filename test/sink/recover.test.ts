import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { NdjsonFile } from "../../src/sink/ndjson-file.js";
import { reconcile } from "../../src/sink/recover.js";
import { eventKey } from "../../src/vco/event-key.js";
import { tempDir } from "../helpers/tmp.js";

const line = (id: number, t: string) =>
  `${JSON.stringify({ id, eventTime: t, extra: { kept: true } })}\n`;
const T = "2024-05-01T00:00:0";

async function fileWith(text: string) {
  const dir = tempDir();
  const f = await NdjsonFile.open(dir, "E");
  const mark = await f.append(text);
  await f.close();
  return { dir, file: path.join(dir, "E", "events.json"), mark };
}

describe("reconcile", () => {
  it("nothing to do when the file is as committed", async () => {
    const { dir, mark } = await fileWith(line(1, `${T}1Z`));
    assert.deepEqual(await reconcile(dir, "E", mark, null, 60_000, eventKey), {
      events: [],
      cutBytes: 0,
      change: "none",
    });
  });

  it("keeps complete lines written after the commit and cuts a partial one", async () => {
    const { dir, file, mark } = await fileWith(line(1, `${T}1Z`));
    fs.appendFileSync(file, line(2, `${T}2Z`) + line(3, `${T}3Z`) + '{"id":4,"eventTi');
    const r = await reconcile(dir, "E", mark, null, 60_000, eventKey);
    assert.equal(r.change, "grown");
    assert.deepEqual(r.events, [
      ["2", Date.parse(`${T}2Z`)],
      ["3", Date.parse(`${T}3Z`)],
    ]);
    assert.equal(r.cutBytes, '{"id":4,"eventTi'.length);
    assert.ok(fs.readFileSync(file, "utf8").endsWith(line(3, `${T}3Z`)));
  });

  it("a file rotated away after a crash: adopts its complete lines and cuts its partial one", async () => {
    for (const replaced of [false, true]) {
      const { dir, file, mark } = await fileWith(line(1, `${T}1Z`));
      const partial = '{"id":4,"eventTi';
      fs.appendFileSync(file, line(2, `${T}2Z`) + line(3, `${T}3Z`) + partial);
      fs.renameSync(file, `${file}.1`);
      if (replaced) fs.writeFileSync(file, line(5, `${T}5Z`) + '{"id":6');
      const r = await reconcile(dir, "E", mark, null, 60_000, eventKey);
      assert.equal(r.change, replaced ? "rotated" : "missing");
      assert.deepEqual(
        r.events.map(([k]) => k),
        replaced ? ["2", "3", "5"] : ["2", "3"],
      );
      assert.equal(r.cutBytes, partial.length + (replaced ? '{"id":6'.length : 0));
      assert.equal(
        fs.readFileSync(`${file}.1`, "utf8"),
        line(1, `${T}1Z`) + line(2, `${T}2Z`) + line(3, `${T}3Z`),
        "the committed line and the complete ones stay",
      );
    }
  });

  it("sees rotation (new inode), removal and copytruncate", async () => {
    const { dir, file, mark } = await fileWith(line(1, `${T}1Z`));
    fs.renameSync(file, `${file}.1`);
    assert.equal((await reconcile(dir, "E", mark, null, 60_000, eventKey)).change, "missing");
    fs.writeFileSync(file, "");
    assert.equal((await reconcile(dir, "E", mark, null, 60_000, eventKey)).change, "rotated");
    const again = await fileWith(line(1, `${T}1Z`) + line(2, `${T}2Z`));
    fs.truncateSync(again.file, 0);
    assert.equal(
      (await reconcile(again.dir, "E", again.mark, null, 60_000, eventKey)).change,
      "truncated",
    );
  });

  it("without a commit, reads the whole file but keeps only the newest window", async () => {
    const { dir } = await fileWith(
      line(1, "2024-05-01T00:00:00Z") +
        line(2, "2024-05-01T01:00:00Z") +
        line(3, "2024-05-01T01:00:30Z"),
    );
    const r = await reconcile(dir, "E", null, null, 60_000, eventKey);
    assert.equal(r.change, "unknown");
    assert.deepEqual(
      r.events.map(([k]) => k),
      ["2", "3"],
    );
  });

  it("a file emptied and refilled past its old size, or a new file with lines, is read whole", async () => {
    // copytruncate, then a run appended more than there was before and crashed before its commit
    const { dir, file, mark } = await fileWith(line(1, `${T}1Z`));
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, line(5, `${T}5Z`) + line(6, `${T}6Z`));
    const r = await reconcile(dir, "E", mark, Date.parse(`${T}0Z`), 60_000, eventKey);
    assert.equal(r.change, "truncated");
    assert.deepEqual(
      r.events.map(([k]) => k),
      ["5", "6"],
    );
    // rotated mid-run: the new file holds lines written after the last commit
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, line(7, `${T}7Z`) + line(8, "2024-04-01T00:00:00Z"));
    const rotated = await reconcile(dir, "E", mark, Date.parse(`${T}0Z`), 60_000, eventKey);
    assert.equal(rotated.change, "rotated");
    assert.deepEqual(
      rotated.events.map(([k]) => k),
      ["7"],
      "older than keepFrom: behind every future query",
    );
  });
});
