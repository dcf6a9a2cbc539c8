/** About 1 MB per request (issue #11): far under HEC's usual max_content_length, and a bounded resend. */
export const MAX_BATCH_BYTES = 1_000_000;

/** A request body: HEC events concatenated (one per line), and how many items it holds. */
export interface HecBatch {
  body: string;
  bytes: number;
  count: number;
}

/**
 * Groups serialized events, in order, into bodies of at most `maxBytes`. An event that is larger on
 * its own goes alone in its batch: it cannot be split, and the collector says if it is too big.
 */
export function* batches(
  events: Iterable<string>,
  maxBytes = MAX_BATCH_BYTES,
): Generator<HecBatch> {
  let parts: string[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = Buffer.byteLength(e) + 1;
    if (parts.length > 0 && bytes + size > maxBytes) {
      yield { body: parts.join(""), bytes, count: parts.length };
      parts = [];
      bytes = 0;
    }
    parts.push(`${e}\n`);
    bytes += size;
  }
  if (parts.length > 0) yield { body: parts.join(""), bytes, count: parts.length };
}
