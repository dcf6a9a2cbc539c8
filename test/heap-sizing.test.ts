// Each V8 setting of heap-sizing.ts, in a child process of its own (the flags are process-wide):
// the child allocates like a long run and prints a heap figure, with and without the setting.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";

const MODULE = JSON.stringify(new URL("../src/heap-sizing.js", import.meta.url).href);

/** What `body` prints, in MiB, after calling heap-sizing's `setting` first when there is one. */
function childMiB(setting: string | undefined, body: string): number {
  const code = `
    ${setting ? `(await import(${MODULE})).${setting}();` : ""}
    const v8 = await import("node:v8");
    ${body}
  `;
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", code])) / 2 ** 20;
}

// Some of what it makes survives for a while; prints the young generation's size at the end.
const youngRun = `
  const keep = [];
  for (let i = 0; i < 3e6; i++) {
    const o = { a: i, b: "x" + i };
    if (i % 3 === 0) keep.push(o);
    if (keep.length > 50000) keep.length = 0;
  }
  const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === "new_space");
  process.stdout.write(String(s.space_size));
`;

// Holds a live set and makes objects that live long enough to be promoted, then die (as each
// enterprise's request and commit do); prints the largest heap it saw.
const oldRun = `
  v8.setFlagsFromString("--semi-space-growth-factor=1");
  const live = Array.from({ length: 150_000 }, (_, i) => ({ i, s: "live" + i }));
  const ring = new Array(20_000);
  let most = 0;
  for (let i = 0; i < 3e6; i++) {
    ring[i % ring.length] = { i, s: "x" + i, a: [i] };
    if (i % 10_000 === 0) most = Math.max(most, v8.getHeapStatistics().used_heap_size);
  }
  process.stdout.write(String(live.length && most));
`;

test("the young generation stays at its starting size in a long run", () => {
  const grown = childMiB(undefined, youngRun);
  const kept = childMiB("keepYoungGenerationSmall", youngRun);
  // Without the setting this V8 grows it (so the check below can fail); with it, it stays small.
  assert.ok(grown >= 8, `V8 grew the young generation to ${grown} MiB by itself`);
  assert.ok(kept <= 4, `young generation ${kept} MiB`);
});

test("the old generation is collected before its garbage is a multiple of what lives", () => {
  const late = childMiB(undefined, oldRun);
  const sooner = childMiB("collectOldGenerationSooner", oldRun);
  // Without the setting this V8 lets garbage pile up (so the check below can fail); with it, not.
  assert.ok(late >= 50, `V8 let the heap grow to ${late.toFixed(1)} MiB by itself`);
  assert.ok(sooner <= 40, `heap ${sooner.toFixed(1)} MiB`);
});
