import type { EventStore } from "./event-store.js";

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

/** A JSON-RPC error with the HTTP status the simulator sends it with. */
export class RpcFailure {
  constructor(
    readonly code: number,
    readonly message: string,
    readonly status = 400,
  ) {}
}

export interface MethodContext {
  principal: SimPrincipal;
  params: Record<string, unknown>;
  now: number;
  enterprises: Map<number, SimEnterprise>;
  legacyPaging: boolean;
  pageLimit: number;
  /** Set by event queries: how many events the reply holds. */
  served: number;
}

const invalid = (message: string) => new RpcFailure(-32602, `Invalid params: ${message}`);
const denied = (what: string) => new RpcFailure(-32603, `Privileges check failed: ${what}`);

function allowOnly(params: Record<string, unknown>, keys: string[]): void {
  for (const k of Object.keys(params))
    if (!keys.includes(k)) throw invalid(`unknown property "${k}"`);
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

/** RFC 3339 strings or 13-digit epoch milliseconds, as the API documents. Anything else is refused. */
function parseDate(v: unknown, name: string): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 1e12 && v < 1e13) return v;
  if (
    typeof v === "string" &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)
  ) {
    return Date.parse(v);
  }
  throw invalid(`${name} must be a 13-digit epoch millisecond time or an RFC 3339 string`);
}

interface PageLink {
  e: number;
  s: number;
  t: number;
  o: number;
}

function encodeLink(link: PageLink): string {
  return Buffer.from(JSON.stringify(link)).toString("base64url");
}

function decodeLink(text: unknown): PageLink {
  try {
    const v = JSON.parse(Buffer.from(String(text), "base64url").toString("utf8")) as PageLink;
    if ([v.e, v.s, v.t, v.o].every((n) => typeof n === "number")) return v;
  } catch {
    /* fall through */
  }
  throw invalid("nextPageLink is not one this server issued");
}

const CLOSE = Buffer.from("]}");

export function getEnterpriseEvents(ctx: MethodContext): Buffer {
  const p = ctx.params;
  allowOnly(
    p,
    ctx.legacyPaging
      ? ["enterpriseId", "interval", "filter", "edgeId"]
      : ["enterpriseId", "interval", "filter", "edgeId", "nextPageLink", "limit"],
  );
  const e = targetEnterprise(ctx, p.enterpriseId);
  let start = ctx.now - 12 * 3_600_000;
  let end = ctx.now;
  if (p.interval !== undefined) {
    const iv = p.interval as Record<string, unknown>;
    if (typeof iv !== "object" || iv === null) throw invalid("interval must be an object");
    allowOnly(iv, ["start", "end", "type"]);
    if (iv.start === undefined) throw invalid("interval.start is required");
    start = parseDate(iv.start, "interval.start");
    if (iv.end !== undefined) end = parseDate(iv.end, "interval.end");
  }
  let limit = ctx.pageLimit;
  if (p.filter !== undefined) {
    const f = p.filter as Record<string, unknown>;
    if (typeof f !== "object" || f === null) throw invalid("filter must be an object");
    allowOnly(f, ["limit", "rules"]);
    if (f.limit !== undefined) {
      if (typeof f.limit !== "number" || !Number.isInteger(f.limit) || f.limit < 1)
        throw invalid("filter.limit must be a positive integer");
      limit = Math.min(f.limit, ctx.pageLimit);
    }
    if (f.rules !== undefined && (!Array.isArray(f.rules) || f.rules.length > 0)) {
      throw invalid("filter.rules is not supported by this simulator");
    }
  }
  let offset = 0;
  if (p.nextPageLink !== undefined) {
    const link = decodeLink(p.nextPageLink);
    if (link.e !== e.id) throw invalid("nextPageLink belongs to another enterprise");
    ({ s: start, t: end, o: offset } = link);
  }
  e.store.release(ctx.now);
  const { data, count, more } = e.store.page(start, end, offset, limit);
  ctx.served = count;
  const meta: Record<string, unknown> = { limit, more };
  if (more && !ctx.legacyPaging)
    meta.nextPageLink = encodeLink({ e: e.id, s: start, t: end, o: offset + count });
  // JSON already: the store writes a page's events as bytes, with no object or string per event.
  return Buffer.concat([Buffer.from(`{"metaData":${JSON.stringify(meta)},"data":[`), data, CLOSE]);
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
  "enterprise/getEnterprise": getEnterprise,
  "network/getNetworkEnterprises": getNetworkEnterprises,
  "enterpriseProxy/getEnterpriseProxyEnterprises": getEnterpriseProxyEnterprises,
};
