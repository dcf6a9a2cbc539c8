import * as z from "zod";
import { AuthError, ResponseShapeError, VcoError } from "../errors.js";
import type { VcoClient } from "./client.js";
import { enterpriseListSchema, enterpriseSchema, type Enterprise } from "./schemas.js";

export type Principal = "customer" | "partner" | "operator";

const LIST_METHOD: Record<Principal, string> = {
  customer: "enterprise/getEnterprise",
  partner: "enterpriseProxy/getEnterpriseProxyEnterprises",
  operator: "network/getNetworkEnterprises",
};

/** The enterprises this principal can read, as {id, name}. */
export async function listEnterprises(
  client: VcoClient,
  principal: Principal,
): Promise<Enterprise[]> {
  const method = LIST_METHOD[principal];
  if (principal === "customer") {
    // A customer's own enterprise is inferred from the credential.
    return [toEnterprise(await client.call(method, {}, enterpriseSchema))];
  }
  const list = (await client.call(method, {}, enterpriseListSchema)).map(toEnterprise);
  if (list.length === 0) {
    throw new ResponseShapeError(method, `the ${principal} account sees no enterprises`);
  }
  return list;
}

/**
 * Which kind of principal the credential belongs to. The API has no "who am I" call that works
 * for tokens, so ask in turn: only a customer can read its own enterprise without an id, only a
 * partner can list its proxy's enterprises, only an operator can list the network's.
 */
export async function discoverPrincipal(
  client: VcoClient,
  operatorLogin: boolean,
): Promise<{ principal: Principal; enterprises: Enterprise[] }> {
  const order: Principal[] = operatorLogin ? ["operator"] : ["customer", "partner", "operator"];
  const refusals: string[] = [];
  let oddReply: ResponseShapeError | undefined;
  for (const principal of order) {
    try {
      return { principal, enterprises: await listEnterprises(client, principal) };
    } catch (err) {
      // A refusal means "not this principal"; so does a customer probe answered with a non-enterprise.
      const notThis =
        err instanceof VcoError ||
        (err instanceof ResponseShapeError && principal === "customer" && order.length > 1);
      if (!notThis) throw err;
      if (err instanceof ResponseShapeError) oddReply ??= err;
      refusals.push(
        `${LIST_METHOD[principal]}: ${err instanceof VcoError ? err.vcoMessage : "no enterprise"}`,
      );
    }
  }
  // Refused as partner and operator, and the customer probe got a reply that is no enterprise:
  // that reply is the real problem (exit 76), not the account's rights.
  if (oddReply) throw oddReply;
  throw new AuthError(
    `the account may not list any enterprise (${refusals.join("; ")}); it needs read access to ` +
      "enterprise events",
  );
}

function toEnterprise(e: z.infer<typeof enterpriseSchema>): Enterprise {
  return { id: e.id, name: e.name ?? "", logicalId: e.logicalId ?? undefined };
}
