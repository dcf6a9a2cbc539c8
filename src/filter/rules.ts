import { SEVERITIES, type EventFilter } from "./event-filter.js";

import type { Rule } from "../vco/streams.js";

const prefix = (p: string) => p.slice(0, -1);
const isPattern = (p: string) => p.endsWith("*");

/**
 * The part of a filter the VCO can apply itself, as filter.rules. Every events method
 * (getEnterpriseEvents, getProxyEvents, getOperatorEvents) takes `event` and `severity` rules, and
 * none takes `category`, so category is left to the local filter. The swagger does not say how the
 * rules combine or how several values of one rule do, so only what reads the same either way is
 * sent: rules are one condition each (ANDed), and a value list only where `in`/`notIn` say "any
 * of". There is no "severity at or above", and greaterOrEquals would compare text, so the minimum
 * severity is the list of severities at or above it. Everything sent is also checked locally
 * (match.ts): the rules only save transfer, they never decide alone what is written.
 */
export function serverRules(f: EventFilter): Rule[] {
  const rules: Rule[] = [];
  if (f.minSeverity !== undefined && f.minSeverity !== "DEBUG") {
    const upTo = SEVERITIES.indexOf(f.minSeverity);
    rules.push({ field: "severity", op: "in", values: SEVERITIES.slice(0, upTo + 1) });
  }
  const include = f.include;
  if (include.length > 0 && !include.includes("*")) {
    const patterns = include.filter(isPattern);
    // "A or B" is one `in` rule; "A or B*" cannot be said with ANDed rules: left to the local filter.
    if (patterns.length === 0) rules.push({ field: "event", op: "in", values: [...include] });
    else if (include.length === 1)
      rules.push({ field: "event", op: "startsWith", values: [prefix(include[0]!)] });
  }
  const exact = f.exclude.filter((p) => !isPattern(p));
  if (exact.length > 0) rules.push({ field: "event", op: "notIn", values: exact });
  for (const p of f.exclude.filter(isPattern)) {
    // "*" alone excludes everything; the local filter says so, a rule would only confuse.
    if (p !== "*") rules.push({ field: "event", op: "notStartsWith", values: [prefix(p)] });
  }
  return rules;
}
