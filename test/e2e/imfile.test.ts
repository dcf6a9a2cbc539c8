// The NDJSON contract against a real shipper: rsyslog's imfile, configured as the README's recipe,
// follows <dataDir>/*/events.json through a logrotate-style rename and the new file fetch creates,
// and sees every event exactly once.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fetch, HOUR, keyOf, readLines, simFixture, tempDir, waitFor } from "../helpers/kit.js";
import { Rsyslog, skipWithoutRsyslog } from "../helpers/rsyslog.js";

/** The README's imfile recipe, with this test's paths. */
const recipe = (dataDir: string, out: string) => `
module(load="imfile" mode="inotify")
template(name="vcoLine" type="string" string="%msg%\\n")
ruleset(name="vco-files") {
  action(type="omfile" file="${out}" template="vcoLine")
}
input(type="imfile" file="${dataDir}/*/events.json" tag="vco-events" ruleset="vco-files"
      freshStartTail="off" reopenOnTruncate="on")
`;

describe("rsyslog imfile on the files", { skip: skipWithoutRsyslog }, () => {
  it("follows events.json through a rename and the new file: every event exactly once", async () => {
    const f = await simFixture({ events: { count: 500, oldest: 2 * HOUR } });
    assert.equal((await fetch(f.env)).code, 0);
    const rsDir = tempDir();
    const out = path.join(rsDir, "imfile.log");
    const rs = new Rsyslog(rsDir, { extra: recipe(f.dir, out) });
    await rs.start();
    // rsyslog may be mid-write when the test looks: count complete lines while waiting.
    const complete = () => {
      const text = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
      return text.slice(0, text.lastIndexOf("\n") + 1);
    };
    const seen = () => complete().split("\n").filter(Boolean);
    await waitFor("imfile to read the first file", () => seen().length >= 500, 60_000);

    // logrotate's create: the file is renamed; fetch then starts a new one at the same path.
    fs.renameSync(f.file, `${f.file}.1`);
    const now = f.sim.now();
    f.store.addSpread(300, now - 60_000, now - 1_000);
    assert.equal((await fetch(f.env)).code, 0);
    assert.equal(readLines(f.file).length, 300, "fetch wrote the new events to a new file");
    // And a third file, so imfile has to switch more than once.
    fs.renameSync(`${f.file}.1`, `${f.file}.2`);
    fs.renameSync(f.file, `${f.file}.1`);
    f.store.addSpread(200, f.sim.now() - 500, f.sim.now());
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal((await fetch(f.env)).code, 0);

    const expected = [f.file, `${f.file}.1`, `${f.file}.2`].flatMap((p) => readLines(p));
    assert.equal(expected.length, 1_000);
    await waitFor("imfile to read every file", () => seen().length >= 1_000, 60_000);
    // A late duplicate would come after the last new line: give imfile a moment to show one.
    await new Promise((r) => setTimeout(r, 1_000));
    await waitFor("rsyslog to finish its last line", () =>
      fs.readFileSync(out, "utf8").endsWith("\n"),
    );
    const got = readLines(out);
    assert.equal(got.length, 1_000, "no event twice");
    assert.deepEqual(new Set(got.map(keyOf)), new Set(expected.map(keyOf)), "every event");
    assert.deepEqual(
      got.map((e) => JSON.stringify(e)).sort(),
      expected.map((e) => JSON.stringify(e)).sort(),
      "unchanged",
    );
  });
});
