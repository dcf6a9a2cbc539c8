import assert from "node:assert/strict";
import { it } from "node:test";
import { assignFolders, folderName, inside } from "../../src/store/paths.js";

it("makes folder names that cannot escape or hide", () => {
  assert.equal(folderName("ACME Corp", 1), "ACME_Corp");
  assert.equal(folderName("../../etc", 2), "etc");
  assert.equal(folderName("/", 3), "enterprise-3");
  assert.equal(folderName(".", 4), "enterprise-4");
  assert.equal(folderName("..", 5), "enterprise-5");
  assert.equal(folderName("", 6), "enterprise-6");
  assert.equal(folderName(".hidden", 7), "hidden");
  assert.equal(folderName("Société Générale", 8), "Société_Générale");
  assert.equal(folderName("ｆｕｌｌｗｉｄｔｈ", 9), "fullwidth", "NFKC");
  assert.ok(Buffer.byteLength(folderName("東".repeat(200), 10)) <= 96);
});

it("keeps two enterprises apart when their names clean up alike", () => {
  const f = assignFolders([
    { id: 1, name: "A/B" },
    { id: 2, name: "A B" },
    { id: 3, name: "C" },
    { id: 4, name: "c" },
    { id: 5, name: "D" },
  ]);
  assert.deepEqual([...f.values()], ["A_B-1", "A_B-2", "C-3", "c-4", "D"]);
});

it("refuses paths outside the data dir", () => {
  assert.equal(inside("/data", "x", "events.json"), "/data/x/events.json");
  assert.throws(() => inside("/data", "..", "x"), /outside the data directory/);
  assert.throws(() => inside("/data", "/etc"), /outside the data directory/);
});
