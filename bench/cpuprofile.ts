// Summarise a V8 .cpuprofile (from `node --cpu-prof`): self time per function, heaviest first.
import { readFileSync } from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/** Self time by function (name + file:line), heaviest first; shares are of the sampled total. */
export function selfTimes(
  file: string,
  by: "function" | "package" = "function",
): { totalMs: number; top: SelfTime[] } {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const micros = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; charge it to the sample before, as DevTools does.
  for (let i = 1; i < samples.length; i++) {
    const id = samples[i - 1]!;
    micros.set(id, (micros.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const byName = new Map<string, number>();
  let total = 0;
  for (const [id, us] of micros) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const key = by === "function" ? label(n) : packageOf(n);
    byName.set(key, (byName.get(key) ?? 0) + us);
  }
  const top = [...byName]
    .map(([name, us]) => ({ name, ms: us / 1000, share: total ? us / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs: total / 1000, top };
}

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const fn = functionName || "(anonymous)";
  if (!url) return fn;
  const where = url.replace(/^file:\/\//, "");
  const short = where.includes("node_modules/")
    ? where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length)
    : where.startsWith("node:")
      ? where
      : path.basename(where);
  return `${fn} ${short}:${lineNumber + 1}`;
}

/** Where a function lives: an npm package, node internals, the project's own code, or V8. */
function packageOf(n: ProfileNode): string {
  const { functionName, url } = n.callFrame;
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return `npm:${m[1]}`;
  if (url.startsWith("node:")) return "node internals";
  const i = url.indexOf("/dist/");
  return i >= 0 ? url.slice(i + 1).replace(/\/[^/]+$/, "/") : url;
}
