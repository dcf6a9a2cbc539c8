import type { EventStore } from "./event-store.js";
import { denied, RpcFailure } from "./rpc-failure.js";
import { allowOnly, EVENT_PARAMS, servePage } from "./event-query.js";
import { invalid } from "./rpc-failure.js";
import { getOperatorEvents, getProxyEvents } from "./stream-methods.js";

export type SimPrincipal =
  | { type: "customer"; enterpriseId: number }
  | { type: "partner"; proxyId: number }
  | { type: "operator" };

export interface SimEnterprise {
  id: number;
  name: string;
  logicalId: string;
  proxyId: number | undefined;
  store: EventStore;
}

export { RpcFailure };

export interface MethodContext {
  principal: SimPrincipal;
  params: Record<string, unknown>;
  now: number;
  enterprises: Map<number, SimEnterprise>;
  /** A partner's own events (event/getProxyEvents); undefined for an unknown partner unless `make`. */
  partnerEvents: (proxyId: number, make?: boolean) => EventStore | undefined;
  /** The operator's and gateways' events (event/getOperatorEvents). */
  operatorEvents: EventStore;
  legacyPaging: boolean;
  /** Refuse any filter.rules. */
  noRules?: boolean;
  pageLimit: number;
  /** Set by event queries: how many events the reply holds. */
  served: number;
}

function visibleTo(p: SimPrincipal, e: SimEnterprise): boolean {
  if (p.type === "operator") return true;
  if (p.type === "partner") return e.proxyId === p.proxyId;
  return e.id === p.enterpriseId;
}

function enterpriseObject(e: SimEnterprise): Record<string, unknown> {
  return {
    id: e.id,
    created: "2019-03-01T10:00:00.000Z",
    networkId: 1,
    gatewayPoolId: 1,
    alertsEnabled: 1,
    operatorAlertsEnabled: 1,
    endpointPkiMode: "CERTIFICATE_OPTIONAL",
    name: e.name,
    domain: "example",
    prefix: null,
    logicalId: e.logicalId,
    accountNumber: `ACC-${e.id}`,
    description: null,
    contactName: "NOC",
    contactEmail: "noc@example.com",
    timezone: "Etc/UTC",
    locale: "en-US",
    modified: "2024-01-01T00:00:00.000Z",
    bastionState: "UNCONFIGURED",
  };
}

/** The enterprise an events or enterprise call is about; operators and partners must say which. */
function targetEnterprise(ctx: MethodContext, idParam: unknown): SimEnterprise {
  const { principal } = ctx;
  if (idParam === undefined) {
    if (principal.type !== "customer")
      throw invalid("enterpriseId is required for operator and partner users");
    return ctx.enterprises.get(principal.enterpriseId)!;
  }
  if (typeof idParam !== "number" || !Number.isInteger(idParam))
    throw invalid("enterpriseId must be an integer");
  const e = ctx.enterprises.get(idParam);
  if (!e || !visibleTo(principal, e)) throw denied(`no access to enterprise ${idParam}`);
  return e;
}

export function getEnterpriseEvents(ctx: MethodContext): Buffer {
  allowOnly(ctx.params, ["enterpriseId", "edgeId", ...EVENT_PARAMS(ctx.legacyPaging)]);
  const e = targetEnterprise(ctx, ctx.params.enterpriseId);
  return servePage(ctx, e.store, "enterprise", `e${e.id}`);
}

export function getEnterprise(ctx: MethodContext): unknown {
  allowOnly(ctx.params, ["id", "enterpriseId", "with"]);
  return enterpriseObject(targetEnterprise(ctx, ctx.params.enterpriseId ?? ctx.params.id));
}

export function getNetworkEnterprises(ctx: MethodContext): unknown {
  allowOnly(ctx.params, ["networkId", "id", "enterprises", "with"]);
  if (ctx.principal.type !== "operator")
    throw denied("network/getNetworkEnterprises is for operators");
  return [...ctx.enterprises.values()].map(enterpriseObject);
}

export function getEnterpriseProxyEnterprises(ctx: MethodContext): unknown {
  allowOnly(ctx.params, ["enterpriseProxyId", "with"]);
  const { principal } = ctx;
  let proxyId: number;
  if (principal.type === "partner") proxyId = principal.proxyId;
  else if (principal.type === "operator") {
    if (typeof ctx.params.enterpriseProxyId !== "number")
      throw invalid("enterpriseProxyId is required for operator users");
    proxyId = ctx.params.enterpriseProxyId;
  } else throw denied("enterpriseProxy/getEnterpriseProxyEnterprises is for partners");
  return [...ctx.enterprises.values()].filter((e) => e.proxyId === proxyId).map(enterpriseObject);
}

export const METHODS: Record<string, (ctx: MethodContext) => unknown> = {
  "event/getEnterpriseEvents": getEnterpriseEvents,
  "event/getProxyEvents": getProxyEvents,
  "event/getOperatorEvents": getOperatorEvents,
  "enterprise/getEnterprise": getEnterprise,
  "network/getNetworkEnterprises": getNetworkEnterprises,
  "enterpriseProxy/getEnterpriseProxyEnterprises": getEnterpriseProxyEnterprises,
};
