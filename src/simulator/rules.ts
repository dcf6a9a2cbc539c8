import type { StreamName } from "../vco/streams.js";
import { invalid } from "./rpc-failure.js";

/**
 * The rule fields each events method takes (swagger 5.0, filter.rules[].field). There is no
 * category rule anywhere; a field a method does not list is refused, as an API validating against
 * its schema would.
 */
export const RULE_FIELDS: Record<StreamName, readonly string[]> = {
  enterprise: ["event", "edgeName", "user", "severity", "message", "detail", "segmentName"],
  partner: ["event", "gatewayName", "user", "severity", "message"],
  operator: ["event", "gatewayName", "user", "severity", "message"],
};

const OPS = [
  "is",
  "is not",
  "isNot",
  "isNull",
  "isNotNull",
  "startsWith",
  "notStartsWith",
  "endsWith",
  "notEndsWith",
  "contains",
  "notContains",
  "greaterOrEquals",
  "lesserOrEquals",
  "in",
  "notIn",
] as const;
type Op = (typeof OPS)[number];

/** The event field a rule's `user` means, per stream. */
const USER_FIELD: Record<StreamName, string> = {
  enterprise: "enterpriseUsername",
  partner: "proxyUsername",
  operator: "operatorUsername",
};

export type EventMatch = (event: Record<string, unknown>) => boolean;

/**
 * filter.rules checked against the method's schema and turned into a test; undefined when there
 * are none. Rules are ANDed (the swagger is silent; that is how every filter list in the API reads).
 * greaterOrEquals and lesserOrEquals compare the text, as a database column would: the swagger
 * does not say that severity compares by rank, so a client must not rely on it.
 */
export function parseRules(rules: unknown, stream: StreamName): EventMatch | undefined {
  if (rules === undefined) return undefined;
  if (!Array.isArray(rules)) throw invalid("filter.rules must be an array");
  if (rules.length === 0) return undefined;
  const tests = rules.map((rule, n) => ruleTest(rule, `filter.rules[${n}]`, stream));
  return (event) => tests.every((t) => t(event));
}

function ruleTest(rule: unknown, at: string, stream: StreamName): EventMatch {
  if (typeof rule !== "object" || rule === null || Array.isArray(rule))
    throw invalid(`${at} must be an object`);
  const r = rule as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!["field", "op", "values"].includes(k)) throw invalid(`${at} has unknown property "${k}"`);
  const fields = RULE_FIELDS[stream];
  if (typeof r.field !== "string" || !fields.includes(r.field))
    throw invalid(`${at}.field must be one of ${fields.join(", ")}`);
  if (typeof r.op !== "string" || !(OPS as readonly string[]).includes(r.op))
    throw invalid(`${at}.op must be one of ${OPS.join(", ")}`);
  const op = r.op as Op;
  const unary = op === "isNull" || op === "isNotNull";
  const values = r.values ?? [];
  if (!Array.isArray(values) || values.some((v) => typeof v !== "string"))
    throw invalid(`${at}.values must be an array of strings`);
  if (!unary && values.length === 0) throw invalid(`${at}.values must not be empty for ${op}`);
  const key = r.field === "user" ? USER_FIELD[stream] : r.field;
  const vs = values as string[];
  return (event) => test(op, event[key], vs);
}

function test(op: Op, raw: unknown, values: string[]): boolean {
  if (op === "isNull") return raw === null || raw === undefined || raw === "";
  if (op === "isNotNull") return !(raw === null || raw === undefined || raw === "");
  const v = raw === null || raw === undefined ? "" : String(raw);
  const any = (f: (x: string) => boolean) => values.some(f);
  switch (op) {
    case "is":
    case "in":
      return any((x) => v === x);
    case "is not":
    case "isNot":
    case "notIn":
      return !any((x) => v === x);
    case "startsWith":
      return any((x) => v.startsWith(x));
    case "notStartsWith":
      return !any((x) => v.startsWith(x));
    case "endsWith":
      return any((x) => v.endsWith(x));
    case "notEndsWith":
      return !any((x) => v.endsWith(x));
    case "contains":
      return any((x) => v.includes(x));
    case "notContains":
      return !any((x) => v.includes(x));
    case "greaterOrEquals":
      return v >= values[0]!;
    case "lesserOrEquals":
      return v <= values[0]!;
  }
}
