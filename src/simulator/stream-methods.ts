import { allowOnly, EVENT_PARAMS, servePage } from "./event-query.js";
import type { MethodContext } from "./methods.js";
import { denied, forbidden, invalid } from "./rpc-failure.js";

const PROXY = "event/getProxyEvents";
const OPERATOR = "event/getOperatorEvents";

const intArray = (v: unknown, name: string): void => {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.some((n) => typeof n !== "number" || !Number.isInteger(n)))
    throw invalid(`${name} must be an array of integers`);
};

/**
 * A partner's own events (swagger: MSP_USER and OPERATOR_USER; READ PROXY_EVENT). A partner reads
 * its own; an operator must say which partner (enterpriseProxyId), and a customer is refused.
 * `enterpriseId` (an array) narrows to events about those enterprises; the simulator's partner
 * events name none, so it is checked and otherwise ignored.
 */
export function getProxyEvents(ctx: MethodContext): Buffer {
  const { principal, params } = ctx;
  allowOnly(params, ["enterpriseId", "enterpriseProxyId", ...EVENT_PARAMS(ctx.legacyPaging)]);
  intArray(params.enterpriseId, "enterpriseId");
  let proxyId: number;
  // A partner's own store always exists for it; an operator may name one that does not.
  let known = true;
  if (principal.type === "partner") {
    if (params.enterpriseProxyId !== undefined && params.enterpriseProxyId !== principal.proxyId)
      throw denied(`no access to enterprise proxy ${String(params.enterpriseProxyId)}`);
    proxyId = principal.proxyId;
  } else if (principal.type === "operator") {
    const id = params.enterpriseProxyId;
    if (typeof id !== "number" || !Number.isInteger(id))
      throw invalid("enterpriseProxyId is required for operator users");
    proxyId = id;
    known = ctx.partnerEvents(proxyId) !== undefined;
  } else throw forbidden(`${PROXY} requires READ PROXY_EVENT (partner and operator users)`);
  if (!known) throw denied(`no access to enterprise proxy ${proxyId}`);
  return servePage(ctx, ctx.partnerEvents(proxyId, true)!, "partner", `p${proxyId}`);
}

/**
 * Operator and gateway events (swagger: OPERATOR_USER only; READ OPERATOR_EVENT). The simulator
 * has one network (id 1); `gatewayId` is checked and otherwise ignored.
 */
export function getOperatorEvents(ctx: MethodContext): Buffer {
  const { principal, params } = ctx;
  allowOnly(params, ["networkId", "gatewayId", ...EVENT_PARAMS(ctx.legacyPaging)]);
  if (principal.type !== "operator")
    throw forbidden(`${OPERATOR} requires READ OPERATOR_EVENT (operator users)`);
  if (params.networkId !== undefined && params.networkId !== 1)
    throw denied(`no access to network ${String(params.networkId)}`);
  intArray(params.gatewayId, "gatewayId");
  return servePage(ctx, ctx.operatorEvents, "operator", "o1");
}
