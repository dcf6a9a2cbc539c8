import type { ForwardItem } from "../target.js";
import { parseEventTime } from "../../vco/event-key.js";

// ArcSight Common Event Format (CEF) rev 25: header fields escape '\' and '|', extension values
// escape '\' and '=' and write line breaks as \n and \r.

const CEF_SEVERITY: Record<string, number> = {
  EMERGENCY: 10,
  ALERT: 9,
  CRITICAL: 8,
  ERROR: 7,
  WARNING: 5,
  NOTICE: 3,
  INFO: 2,
  DEBUG: 0,
};

export function escapeHeader(value: string): string {
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, " ");
}

export function escapeExtension(value: string): string {
  return value
    .replace(/[\\=]/g, (c) => `\\${c}`)
    .replace(/\r\n|\n/g, "\\n")
    .replace(/\r/g, "\\r");
}

const text = (v: unknown): string =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : "";

/** `CEF:0|VMware|VeloCloud Orchestrator|<version>|<event>|<message>|<0-10>|<extension>`. */
export function cefMessage(item: ForwardItem): string {
  const e = item.event;
  const name = text(e.event) || "UNKNOWN";
  const sev = CEF_SEVERITY[text(e.severity).toUpperCase()] ?? 3;
  const header = [
    "CEF:0",
    "VMware",
    "VeloCloud Orchestrator",
    "",
    escapeHeader(name),
    escapeHeader(text(e.message) || name),
    String(sev),
  ].join("|");
  const t = typeof e.eventTime === "string" ? parseEventTime(e.eventTime) : Number.NaN;
  const ext: Array<[string, string]> = [];
  if (!Number.isNaN(t)) ext.push(["rt", String(t)]);
  ext.push(["dvchost", item.host], ["externalId", item.key], ["cat", text(e.category)]);
  if (item.enterprise) {
    ext.push(
      ["cs1Label", "enterprise"],
      ["cs1", item.enterprise.name],
      ["cn1Label", "enterpriseId"],
      ["cn1", String(item.enterprise.id)],
    );
  }
  if (text(e.edgeName)) ext.push(["cs2Label", "edge"], ["cs2", text(e.edgeName)]);
  if (text(e.segmentName)) ext.push(["cs3Label", "segment"], ["cs3", text(e.segmentName)]);
  if (text(e.enterpriseUsername)) ext.push(["suser", text(e.enterpriseUsername)]);
  ext.push(["cs4Label", "stream"], ["cs4", item.stream]);
  if (text(e.message)) ext.push(["msg", text(e.message)]);
  const extension = ext
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}=${escapeExtension(v)}`)
    .join(" ");
  return `${header}|${extension}`;
}
