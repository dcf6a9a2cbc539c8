import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";

// A child that holds a live set and makes objects that live long enough to be promoted, then die
// (as each enterprise's request and commit do), and prints the largest heap it saw, with and
// without collectOldGenerationSooner().
const childCode = (sooner: boolean) => `
  ${sooner ? `(await import(${JSON.stringify(new URL("../src/old-generation.js", import.meta.url).href)})).collectOldGenerationSooner();` : ""}
  const v8 = await import("node:v8");
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

const peakMiB = (sooner: boolean) =>
  Number(execFileSync(process.execPath, ["--input-type=module", "-e", childCode(sooner)])) /
  2 ** 20;

test("the old generation is collected before its garbage is a multiple of what lives", () => {
  const late = peakMiB(false);
  const sooner = peakMiB(true);
  // Without the setting this V8 lets garbage pile up (so the check below can fail); with it, not.
  assert.ok(late >= 50, `V8 let the heap grow to ${late.toFixed(1)} MiB by itself`);
  assert.ok(sooner <= 40, `heap ${sooner.toFixed(1)} MiB`);
});
