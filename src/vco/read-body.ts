import type { Readable } from "node:stream";
import type { PageMemory } from "./page-pool.js";

/** Enough for the metaData object that starts an events reply. */
const HEAD_BYTES = 1024;

/**
 * The whole body. Event replies go into pooled memory (page-pool.ts), sized by Content-Length when
 * the server sends one, so that a backfill does not leave a megabyte of garbage per page. Other
 * replies (`memory` undefined) get a buffer of their own.
 */
export async function readBody(
  stream: Readable,
  length: unknown,
  memory: PageMemory | undefined,
  /** Called once with the first HEAD_BYTES (or all, if fewer): a reply's metaData comes first. */
  onHead?: (head: Buffer) => void,
): Promise<Buffer> {
  if (!memory) {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  const hint = Number(length);
  let buf = memory.takeBuffer(Number.isSafeInteger(hint) && hint > 0 ? hint : 1 << 20);
  let n = 0;
  try {
    for await (const chunk of stream) {
      const c = chunk as Buffer;
      if (n + c.length > buf.length) {
        const bigger = memory.takeBuffer(Math.max(buf.length * 2, n + c.length));
        buf.copy(bigger, 0, 0, n);
        memory.giveBuffer(buf);
        buf = bigger;
      }
      n += c.copy(buf, n);
      if (onHead && n >= HEAD_BYTES) {
        onHead(buf.subarray(0, n));
        onHead = undefined;
      }
    }
    onHead?.(buf.subarray(0, n));
  } catch (err) {
    memory.giveBuffer(buf);
    throw err;
  }
  return buf.subarray(0, n);
}
