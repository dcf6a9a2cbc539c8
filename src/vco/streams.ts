/**
 * The event streams a principal can read. `enterprise` is per enterprise (event/getEnterpriseEvents);
 * `partner` (event/getProxyEvents) and `operator` (event/getOperatorEvents) are one stream each per
 * orchestrator. Each keeps its own cursor, dedupe window, lock scope and events.json.
 */
export const STREAMS = ["enterprise", "partner", "operator"] as const;
export type StreamName = (typeof STREAMS)[number];

export const DEFAULT_STREAMS: StreamName[] = ["enterprise"];
