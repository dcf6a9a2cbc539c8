import * as z from "zod";
import type { HecBatch } from "./batches.js";

/** A batch the collector took, waiting for the indexers to confirm it. */
export interface AckWait {
  batch: HecBatch;
  ackId: number;
  /** When it was (last) sent, on the target's clock. */
  since: number;
  resends: number;
}

/** The ack endpoint's answer: `{"acks":{"0":true,"1":false}}`. */
const ackAnswer = z.object({ acks: z.record(z.string(), z.boolean()) });

/** The ackIds an answer of /services/collector/ack reports as indexed; undefined if not that answer. */
export function ackedIds(raw: string): Set<number> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const r = ackAnswer.safeParse(value);
  if (!r.success) return undefined;
  return new Set(
    Object.entries(r.data.acks)
      .filter(([, done]) => done)
      .map(([id]) => Number(id)),
  );
}
