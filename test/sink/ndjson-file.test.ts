import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { NdjsonFile } from "../../src/sink/ndjson-file.js";
import { tempDir } from "../helpers/tmp.js";

const line = (id: number, t: string) =>
  `${JSON.stringify({ id, eventTime: t, extra: { kept: true } })}\n`;
const T = "2024-05-01T00:00:0";

describe("NdjsonFile", () => {
  it("appends whole lines with private modes, and follows a file rotated mid-run", async () => {
    const dir = tempDir();
    const f = await NdjsonFile.open(dir, "E");
    const file = path.join(dir, "E", "events.json");
    await f.append(line(1, `${T}1Z`));
    fs.renameSync(file, `${file}.1`);
    const mark = await f.append(line(2, `${T}2Z`));
    await f.close();
    assert.equal(fs.readFileSync(`${file}.1`, "utf8"), line(1, `${T}1Z`));
    assert.equal(fs.readFileSync(file, "utf8"), line(2, `${T}2Z`));
    assert.equal(mark.size, line(2, `${T}2Z`).length);
    assert.equal(fs.statSync(file).mode & 0o777 & ~0o640, 0, "not world-readable");
  });

  it("refuses to write through a symbolic link", async () => {
    const dir = tempDir();
    const outside = tempDir();
    fs.mkdirSync(path.join(dir, "E"));
    fs.symlinkSync(path.join(outside, "x"), path.join(dir, "E", "events.json"));
    await assert.rejects(NdjsonFile.open(dir, "E"), /symbolic link|ELOOP/);
    fs.symlinkSync(outside, path.join(dir, "F"));
    await assert.rejects(NdjsonFile.open(dir, "F"), /not a plain folder/);
    assert.deepEqual(fs.readdirSync(outside), []);
  });
});
