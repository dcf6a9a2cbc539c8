import type { Dirent } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { readOrchestratorState } from "../store/orchestrator-state.js";
import { EVENTS_FILE, STATE_DIR } from "../store/paths.js";
import { listStates, type EnterpriseState } from "../store/state.js";

/** A folder that holds an events.json, and what every event in it is about. */
export interface StreamFolder {
  /** Relative to the data dir, with "/" ("ACME_Corp", "vco2/_operator"): the cursor's key. */
  rel: string;
  abs: string;
  /** The orchestrator's host name, from the state beside it; undefined when no state names one. */
  host: string | undefined;
  enterprise: { id: number; name: string } | undefined;
  stream: string;
}

/** How deep stream folders may sit: <dataDir>/<orchestrator>/<folder>/events.json at most. */
const MAX_DEPTH = 3;

/**
 * Every folder under the data dir that holds an events.json (enterprise folders, the partner and
 * operator streams, and the subtrees of a multi-orchestrator file), found by walking rather than
 * from a list so a sink also drains folders no current run writes to. `.state` and other hidden
 * folders and symbolic links are skipped.
 */
export async function findStreamFolders(dataDir: string): Promise<StreamFolder[]> {
  const found: string[] = [];
  const root = path.resolve(dataDir);
  await walk(root, root, 0, found);
  const owners = new Map<string, Promise<OwnerState>>();
  const out: StreamFolder[] = [];
  for (const abs of found.sort()) out.push(await describe(root, abs, owners));
  return out;
}

interface OwnerState {
  states: EnterpriseState[];
  vco: string | undefined;
}

async function walk(root: string, dir: string, depth: number, out: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  if (dir !== root && entries.some((e) => e.name === EVENTS_FILE && e.isFile())) {
    out.push(dir);
  }
  if (depth >= MAX_DEPTH) return;
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith(".")) {
      await walk(root, path.join(dir, e.name), depth + 1, out);
    }
  }
}

/** The state of the subtree a folder belongs to: the nearest folder above it with a .state. */
async function describe(
  root: string,
  abs: string,
  owners: Map<string, Promise<OwnerState>>,
): Promise<StreamFolder> {
  const rel = path.relative(root, abs).split(path.sep).join("/");
  const name = path.basename(abs);
  const stream = name.startsWith("_")
    ? (name.slice(1).split(/[-_.]/)[0] ?? "enterprise")
    : "enterprise";
  let owner = path.dirname(abs);
  while (owner !== root && !(await isDir(path.join(owner, STATE_DIR)))) owner = path.dirname(owner);
  const folder = path.relative(owner, abs).split(path.sep).join("/");
  if (!owners.has(owner)) owners.set(owner, ownerState(owner));
  const { states, vco: ownerVco } = await owners.get(owner)!;
  const mine = states.find((s) => s.folder === folder);
  const vco = mine?.vco ?? ownerVco;
  return {
    rel,
    abs,
    host: vco ? hostOf(vco) : undefined,
    enterprise:
      mine && stream === "enterprise"
        ? { id: mine.enterpriseId, name: mine.enterpriseName }
        : undefined,
    stream,
  };
}

async function ownerState(owner: string): Promise<OwnerState> {
  const states = await listStates(owner).catch(() => []);
  const vco = (await readOrchestratorState(owner))?.vco ?? states[0]?.vco;
  return { states, vco };
}

function hostOf(vco: string): string | undefined {
  try {
    return new URL(vco).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return undefined;
  }
}

async function isDir(p: string): Promise<boolean> {
  return (await fs.lstat(p).catch(() => undefined))?.isDirectory() ?? false;
}
