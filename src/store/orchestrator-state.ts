import * as z from "zod";
import { readJson, writeFileAtomic } from "./atomic.js";
import { inside, STATE_DIR } from "./paths.js";

/**
 * What this data dir knows about its orchestrator as a whole: whether the setup has ever worked
 * (until then, a host that does not resolve or answers 404 is a setup error, not a blip), and its
 * clock's offset from ours, so the next run starts from the right "now" before its first reply.
 */
const schema = z.object({
  version: z.literal(1),
  vco: z.string(),
  /** First time a run reached this VCO and listed its enterprises (ISO 8601). */
  workedAt: z.string().nullable(),
  clock: z
    .object({
      /** VCO time minus ours, in ms; positive when the VCO is ahead. */
      offsetMs: z.number(),
      measuredAt: z.string(),
    })
    .nullable(),
});
export type OrchestratorState = z.infer<typeof schema>;

const file = (dataDir: string) => inside(dataDir, STATE_DIR, "orchestrator.json");

/** The state for `vco`, or undefined (none yet, another VCO's, or unreadable: all mean "start over"). */
export async function readOrchestratorState(
  dataDir: string,
  vco?: string,
): Promise<OrchestratorState | undefined> {
  const parsed = schema.safeParse(await readJson(file(dataDir)).catch(() => undefined));
  if (!parsed.success) return undefined;
  return vco === undefined || parsed.data.vco === vco ? parsed.data : undefined;
}

export async function writeOrchestratorState(
  dataDir: string,
  state: OrchestratorState,
): Promise<void> {
  await writeFileAtomic(file(dataDir), JSON.stringify(state));
}
