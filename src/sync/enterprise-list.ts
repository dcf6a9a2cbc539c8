import type { Config } from "../config.js";
import { ConfigError } from "../errors.js";
import type { Logger } from "../logger.js";
import {
  CACHE_TTL_MS,
  credentialId,
  readEnterpriseCache,
  writeEnterpriseCache,
} from "../store/enterprise-cache.js";
import type { Clock } from "../time.js";
import type { VcoClient } from "../vco/client.js";
import { discoverPrincipal, listEnterprises, type Principal } from "../vco/enterprises.js";
import type { Enterprise } from "../vco/schemas.js";

/** The enterprises to poll this run: from the cache while it is fresh, else asked of the VCO. */
export async function enterprisesToPoll(
  client: VcoClient,
  config: Config,
  clock: Clock,
  logger: Logger,
): Promise<{ principal: Principal; enterprises: Enterprise[] }> {
  const credential = credentialId(config.baseUrl, config.credentials);
  const cached = await readEnterpriseCache(config.dataDir);
  const mine =
    cached && cached.vco === config.baseUrl && cached.credential === credential
      ? cached
      : undefined;
  const fresh = mine && clock.now() - mine.fetchedAt < CACHE_TTL_MS;

  let found: { principal: Principal; enterprises: Enterprise[] };
  if (mine && fresh && covers(mine.enterprises, config.enterpriseIds)) {
    found = { principal: mine.principal, enterprises: mine.enterprises };
  } else {
    const operatorLogin =
      config.credentials.kind === "password" && config.credentials.loginType === "operator";
    found = mine
      ? { principal: mine.principal, enterprises: await listEnterprises(client, mine.principal) }
      : await discoverPrincipal(client, operatorLogin);
    await writeEnterpriseCache(config.dataDir, {
      vco: config.baseUrl,
      credential,
      principal: found.principal,
      enterprises: found.enterprises.map((e) => ({
        id: e.id,
        name: e.name,
        ...(e.logicalId ? { logicalId: e.logicalId } : {}),
      })),
      fetchedAt: clock.now(),
    });
    logger.info(
      { event: "principal", principal: found.principal, enterprises: found.enterprises.length },
      `the credential is ${found.principal === "operator" ? "an" : "a"} ${found.principal} principal seeing ${found.enterprises.length} enterprise(s)`,
    );
  }

  const wanted = config.enterpriseIds;
  if (!wanted) return found;
  const missing = wanted.filter((id) => !found.enterprises.some((e) => e.id === id));
  if (missing.length > 0) {
    const visible = found.enterprises.map((e) => `${e.id} (${e.name})`).join(", ");
    throw new ConfigError(
      `VCO_ENTERPRISE_IDS names ${missing.join(", ")}, which this account cannot see; it sees: ${visible}`,
    );
  }
  return {
    principal: found.principal,
    enterprises: found.enterprises.filter((e) => wanted.includes(e.id)),
  };
}

function covers(list: Enterprise[], ids: number[] | undefined): boolean {
  return !ids || ids.every((id) => list.some((e) => e.id === id));
}
