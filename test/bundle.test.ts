// What a cron run of `fetch` loads: the bin, the chunks it imports, and the fetch command's. Most of
// a run with nothing new is start-up (docs/bench.md), so code that such a run never uses stays out.
import assert from "node:assert/strict";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, it } from "node:test";
import { CLI } from "./helpers/cli.js";

const BIN = path.dirname(CLI);
const require = createRequire(import.meta.url);

/** The files `file` imports statically, and theirs, and so on. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = fs.readFileSync(file, "utf8");
  // import ... from "./x.js", export ... from "./x.js", and import "./x.js" (for its effects).
  for (const m of text.matchAll(/^(?:import|export)\b[^;]*?(?:\bfrom\s*)?"(\.[^"]+)"/gm)) {
    staticClosure(path.resolve(path.dirname(file), m[1]!), seen);
  }
  return seen;
}

/** The chunk that `import("./chunks/<name>-HASH.js")` in the bin loads. */
function commandChunk(name: string): string {
  const m = new RegExp(`import\\("(\\./chunks/${name}-[A-Z0-9]+\\.js)"\\)`).exec(
    fs.readFileSync(CLI, "utf8"),
  );
  assert.ok(m, `the bin loads the ${name} command from a chunk of its own`);
  return path.resolve(BIN, m[1]!);
}

function fetchRunText(): string {
  const files = new Set([...staticClosure(CLI), ...staticClosure(commandChunk("fetch"))]);
  return [...files].map((f) => fs.readFileSync(f, "utf8")).join("\n");
}

/** Each marker is checked against its package first, so a renamed string fails here, not silently. */
const LEFT_OUT = [
  {
    what: "the YAML parser (only a VCO_CONFIG file needs it)",
    marker: "YAMLParseError",
    source: () => fs.readFileSync(require.resolve("yaml"), "utf8"),
  },
  {
    what: "zod's translations of its messages (import * as z keeps them out)",
    marker: "Zu klein",
    source: () =>
      fs.readFileSync(path.join(path.dirname(require.resolve("zod")), "v4/locales/de.js"), "utf8"),
  },
  {
    what: "mime-db's table of file types (form-data's, for uploads this tool never makes)",
    marker: "application/vnd.ms-excel",
    source: () => fs.readFileSync(require.resolve("mime-db/db.json"), "utf8"),
  },
];

describe("the bundle a quiet fetch loads", () => {
  const text = fetchRunText();

  for (const { what, marker, source } of LEFT_OUT) {
    it(`leaves out ${what}`, () => {
      assert.ok(source().includes(marker), `"${marker}" is still in its package`);
      assert.ok(!text.includes(marker), `"${marker}" is in the chunks a fetch loads`);
    });
  }

  it("still has the YAML parser, in a chunk loaded when a file is named", () => {
    const chunks = fs.readdirSync(path.join(BIN, "chunks"));
    const yaml = chunks.filter((c) =>
      fs.readFileSync(path.join(BIN, "chunks", c), "utf8").includes("YAMLParseError"),
    );
    assert.equal(yaml.length, 1, `one chunk holds it: ${yaml.join(", ")}`);
  });
});
