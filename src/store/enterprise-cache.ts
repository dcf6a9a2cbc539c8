import { createHash } from "node:crypto";
import * as z from "zod";
import type { Credentials } from "../config.js";
import { readJson, writeFileAtomic } from "./atomic.js";
import { inside, STATE_DIR } from "./paths.js";

/**
 * Who the credential is and which enterprises it sees change rarely, so a quiet cron run need not
 * ask every 15 minutes: it is kept for CACHE_TTL_MS. The credential is stored only as a hash, so a
 * new token or user refreshes it.
 */
export const CACHE_TTL_MS = 60 * 60_000;

const cacheSchema = z.object({
  vco: z.string(),
  credential: z.string(),
  principal: z.enum(["customer", "partner", "operator"]),
  enterprises: z.array(
    z.object({ id: z.number(), name: z.string(), logicalId: z.string().optional() }),
  ),
  fetchedAt: z.number(),
});
export type EnterpriseCache = z.infer<typeof cacheSchema>;

const file = (dataDir: string) => inside(dataDir, STATE_DIR, "enterprises.json");

export function credentialId(vco: string, c: Credentials): string {
  const who = c.kind === "token" ? `token:${c.token}` : `user:${c.loginType}:${c.username}`;
  return createHash("sha256").update(`${vco}\n${who}`).digest("hex").slice(0, 32);
}

export async function readEnterpriseCache(dataDir: string): Promise<EnterpriseCache | undefined> {
  const parsed = cacheSchema.safeParse(await readJson(file(dataDir)).catch(() => undefined));
  return parsed.success ? parsed.data : undefined;
}

export async function writeEnterpriseCache(dataDir: string, cache: EnterpriseCache): Promise<void> {
  await writeFileAtomic(file(dataDir), JSON.stringify(cache));
}
