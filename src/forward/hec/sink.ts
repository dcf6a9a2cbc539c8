import type { Sink } from "../targets.js";
import { hecSettingsFrom } from "./settings.js";
import { createHecTarget } from "./target.js";

/** The Splunk HEC sink VCO_HEC_URL and VCO_HEC_TOKEN configure, or undefined. */
export function hecSink(env: NodeJS.ProcessEnv): Sink | undefined {
  const s = hecSettingsFrom(env);
  if (!s) return undefined;
  return {
    name: `hec ${s.url}`,
    // VCO_HEC_TLS_INSECURE is warned about by the target as it opens.
    warnings: [],
    open: (deps) => createHecTarget(s, deps),
  };
}
