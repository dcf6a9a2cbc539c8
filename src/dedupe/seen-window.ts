// Across runs; repeats within one query are repeat-index.ts.
import { hashBytes, type EventBatch } from "../vco/event-batch.js";

// Small to start with: a quiet enterprise's window holds a handful of keys, and a run over a
// thousand enterprises makes one window each. These arrays fit in V8's heap objects (up to 64
// bytes), so an empty window allocates no memory outside the heap but its key bytes; a dense one
// grows to its size in a few rebuilds.
const MIN_ENTRIES = 8;
const MIN_BYTES = 256;
/**
 * A rebuild leaves room for half as many again as it keeps. Doubling, the arrays held two to four
 * times the live keys: a dense backfill's 33,000 keys took 3.6 MiB where 1.8 do (docs/bench.md).
 * A rebuild costs as much as the keys it keeps and comes after half as many adds at least.
 */
const ROOM = 1.5;
/** The most json() puts in one piece. */
const CHUNK = 1 << 16;

/**
 * Keys of events already written whose eventTime is inside the overlap window. The VCO can publish
 * an event minutes after its eventTime, so each run re-reads that window and drops what is here.
 * Older keys are pruned, so memory follows the window, not the backlog.
 *
 * Held compactly, because a dense backfill puts every event it writes in here (each slice ends
 * within the overlap of the cursor): 31,500 keys at 35 events a second and a 15-minute overlap,
 * each kept for as long as the window takes to pass it. As a Map of key strings they were promoted
 * out of the young generation only to die there, and the heap grew with the density. Here a key is
 * its UTF-8 bytes in one arena, with its time and hash in typed arrays and an open-addressing table
 * over them: no object per key, and a key of a scanned reply is never made a string.
 */
export class SeenWindow {
  /** Entries in the order added; entry e's key is arena[keyAt[e], keyAt[e + 1]). */
  private times = new Float64Array(MIN_ENTRIES);
  private hashes = new Int32Array(MIN_ENTRIES);
  private keyAt = new Int32Array(MIN_ENTRIES + 1);
  /** Entries pruned or replaced out of order (those before `head` are gone too). */
  private gone = new Uint8Array(MIN_ENTRIES);
  private arena = Buffer.alloc(MIN_BYTES);
  /** Entry + 1 by hash, linear probing; 0 is free. Gone entries stay until the next rebuild. */
  private table = new Int32Array(tableSize(MIN_ENTRIES));
  private n = 0;
  private head = 0;
  private goneAfterHead = 0;
  private oldest = Number.POSITIVE_INFINITY;
  private latest = Number.NEGATIVE_INFINITY;
  /** Whether keys were added in eventTime order, so pruning can stop at the first one it keeps. */
  private ordered = true;
  /** The key being looked at: bytes[from, to) and its hash (fields, not a tuple per event). */
  private kBytes: Buffer = this.arena;
  private kFrom = 0;
  private kTo = 0;
  private kHash = 0;
  /** For keys given as strings, made when one is. */
  private scratch: Buffer | undefined;
  /** For json(); as large as the window's JSON, up to CHUNK. */
  private chunk: Buffer | undefined;

  constructor(entries: Iterable<readonly [string, number]> = []) {
    for (const [key, time] of entries) this.add(key, time);
  }

  has(key: string): boolean {
    this.lookAtString(key);
    return this.find() >= 0;
  }

  /** has(batch.key(i)), without making the key a string. */
  hasEvent(batch: EventBatch, i: number): boolean {
    this.lookAtEvent(batch, i);
    return this.find() >= 0;
  }

  /**
   * Whether an event of this time could be here at all. Cheap, and false for nearly every event of
   * a backfill, whose slices only move forward: the key is not even looked up then.
   */
  mayHold(time: number): boolean {
    return time >= this.oldest && time <= this.latest;
  }

  add(key: string, time: number): void {
    this.lookAtString(key);
    this.put(time);
  }

  /** add(key, time) for a key that is bytes[from, to) as UTF-8 (a saved window's plain key). */
  addBytes(bytes: Buffer, from: number, to: number, time: number): void {
    this.kBytes = bytes;
    this.kFrom = from;
    this.kTo = to;
    this.kHash = hashBytes(bytes, from, to);
    this.put(time);
  }

  /** add(batch.key(i), time), without making the key a string. */
  addEvent(batch: EventBatch, i: number, time: number): void {
    this.lookAtEvent(batch, i);
    this.put(time);
  }

  get size(): number {
    return this.n - this.head - this.goneAfterHead;
  }

  get newest(): number | undefined {
    return this.size > 0 ? this.latest : undefined;
  }

  /** Forget events older than `before`: no query will reach back that far again. */
  prune(before: number): void {
    if (before <= this.oldest) return;
    const { times, gone } = this;
    let oldest = Number.POSITIVE_INFINITY;
    if (this.ordered) {
      while (this.head < this.n && (gone[this.head] || times[this.head]! < before)) {
        if (gone[this.head++]) this.goneAfterHead--;
      }
      if (this.head < this.n) oldest = times[this.head]!;
    } else {
      for (let e = this.head; e < this.n; e++) {
        if (gone[e]) continue;
        if (times[e]! < before) {
          gone[e] = 1;
          this.goneAfterHead++;
        } else if (times[e]! < oldest) oldest = times[e]!;
      }
    }
    this.oldest = oldest;
    if (this.size === 0) this.clear();
  }

  toJSON(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (let e = this.head; e < this.n; e++) {
      if (!this.gone[e]) out.push([this.keyText(e), this.times[e]!]);
    }
    return out;
  }

  /**
   * JSON.stringify(toJSON()) in pieces of one reused buffer, rather than an array of pairs and a
   * string as large as the window (a backfill saves the window every second). A piece is valid
   * until the next one is asked for; the window must not change until the last one has been.
   */
  *json(): Generator<Buffer, void, undefined> {
    // A window of a few keys needs a few hundred bytes, and a run commits one window per enterprise.
    const size = Math.min(CHUNK, this.jsonBytes());
    if (!this.chunk || this.chunk.length < size) this.chunk = Buffer.allocUnsafeSlow(size);
    let out = this.chunk;
    let at = 0;
    out[at++] = 0x5b; // [
    let first = true;
    for (let e = this.head; e < this.n; e++) {
      if (this.gone[e]) continue;
      const from = this.keyAt[e]!;
      const to = this.keyAt[e + 1]!;
      const escaped = plainJson(this.arena, from, to) ? undefined : JSON.stringify(this.keyText(e));
      // The key, and at most 30 bytes around it: `,[`, `,`, the time, `]` and the closing `]`.
      const need = (escaped === undefined ? to - from + 2 : Buffer.byteLength(escaped)) + 32;
      if (at + need > out.length) {
        yield out.subarray(0, at);
        at = 0;
        if (need > out.length) out = this.chunk = Buffer.allocUnsafeSlow(need);
      }
      if (!first) out[at++] = 0x2c; // ,
      first = false;
      out[at++] = 0x5b;
      if (escaped === undefined) {
        out[at++] = 0x22; // "
        at += this.arena.copy(out, at, from, to);
        out[at++] = 0x22;
      } else at += out.write(escaped, at);
      out[at++] = 0x2c;
      at = writeNumber(out, at, this.times[e]!);
      out[at++] = 0x5d; // ]
    }
    out[at++] = 0x5d;
    yield out.subarray(0, at);
  }

  /** At least the length of json() when every key is plain: brackets, the keys, the times. */
  private jsonBytes(): number {
    const keyBytes = this.keyAt[this.n]! - this.keyAt[this.head]!;
    return 2 + keyBytes + 32 * (this.n - this.head);
  }

  private keyText(e: number): string {
    return this.arena.toString("utf8", this.keyAt[e], this.keyAt[e + 1]);
  }

  /**
   * Keys are compared as UTF-8 bytes. A scanned reply's key is used in place when it is ASCII (ids
   * and UUIDs); anything else goes through the string batch.key(i) gives, as it always did.
   */
  private lookAtEvent(batch: EventBatch, i: number): void {
    if (!batch.keyText?.has(i)) {
      const bytes = batch.bytes;
      const from = batch.keyStart[i]!;
      const to = batch.keyEnd[i]!;
      let k = from;
      while (k < to && bytes[k]! < 0x80) k++;
      if (k === to) {
        this.kBytes = bytes;
        this.kFrom = from;
        this.kTo = to;
        this.kHash = batch.keyHash[i]!;
        return;
      }
    }
    this.lookAtString(batch.key(i));
  }

  private lookAtString(key: string): void {
    if (!this.scratch || this.scratch.length < 3 * key.length) {
      this.scratch = Buffer.alloc(Math.max(256, 4 * key.length));
    }
    const to = this.scratch.write(key, 0);
    this.kBytes = this.scratch;
    this.kFrom = 0;
    this.kTo = to;
    this.kHash = hashBytes(this.scratch, 0, to);
  }

  /** The live entry with the key looked at, or -1. */
  private find(): number {
    const { table, hashes, gone, keyAt, arena } = this;
    const { kBytes, kFrom, kTo, kHash } = this;
    const mask = table.length - 1;
    const length = kTo - kFrom;
    for (let slot = kHash & mask; ; slot = (slot + 1) & mask) {
      const e = table[slot]! - 1;
      if (e < 0) return -1;
      if (hashes[e] !== kHash || e < this.head || gone[e]) continue;
      const at = keyAt[e]!;
      if (keyAt[e + 1]! - at !== length) continue;
      let k = 0;
      while (k < length && arena[at + k] === kBytes[kFrom + k]) k++;
      if (k === length) return e;
    }
  }

  /** Adds the key looked at with `time` (a key already here gets the new time). */
  private put(time: number): void {
    const known = this.find();
    if (known >= 0) {
      if (this.times[known] === time) return;
      this.gone[known] = 1;
      this.goneAfterHead++;
    }
    const length = this.kTo - this.kFrom;
    if (this.n === this.times.length || this.keyAt[this.n]! + length > this.arena.length) {
      this.rebuild(length);
    }
    if (time < this.latest) this.ordered = false;
    if (time < this.oldest) this.oldest = time;
    if (time > this.latest) this.latest = time;
    const e = this.n++;
    const at = this.keyAt[e]!;
    const { arena, kBytes, kFrom } = this;
    for (let k = 0; k < length; k++) arena[at + k] = kBytes[kFrom + k]!;
    this.keyAt[e + 1] = at + length;
    this.times[e] = time;
    this.hashes[e] = this.kHash;
    this.index(e);
  }

  private index(e: number): void {
    const { table } = this;
    const mask = table.length - 1;
    let slot = this.hashes[e]! & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = e + 1;
  }

  /**
   * Moves the live entries to the front, growing the arrays when they would be more than two thirds
   * full after that (so a rebuild is paid for by half as many adds), and indexes them again.
   */
  private rebuild(extraBytes: number): void {
    const live = this.size;
    let liveBytes = 0;
    for (let e = this.head; e < this.n; e++) {
      if (!this.gone[e]) liveBytes += this.keyAt[e + 1]! - this.keyAt[e]!;
    }
    let entries = this.times.length;
    if (entries < ROOM * (live + 1)) entries = Math.ceil(ROOM * (live + 1));
    let bytes = this.arena.length;
    if (bytes < ROOM * (liveBytes + extraBytes)) bytes = Math.ceil(ROOM * (liveBytes + extraBytes));
    const from = {
      times: this.times,
      hashes: this.hashes,
      keyAt: this.keyAt,
      gone: this.gone,
      arena: this.arena,
    };
    if (entries !== this.times.length) {
      this.times = new Float64Array(entries);
      this.hashes = new Int32Array(entries);
      this.keyAt = new Int32Array(entries + 1);
      this.gone = new Uint8Array(entries);
      this.table = new Int32Array(tableSize(entries));
    } else this.table.fill(0);
    if (bytes !== this.arena.length) this.arena = Buffer.alloc(bytes);
    // In place when nothing grew: every entry moves down or stays, so nothing is read after it is
    // overwritten (copyWithin is a memmove).
    let to = 0;
    let at = 0;
    for (let e = this.head; e < this.n; e++) {
      if (from.gone[e]) continue;
      const a = from.keyAt[e]!;
      const b = from.keyAt[e + 1]!;
      if (this.arena === from.arena) this.arena.copyWithin(at, a, b);
      else from.arena.copy(this.arena, at, a, b);
      this.times[to] = from.times[e]!;
      this.hashes[to] = from.hashes[e]!;
      this.keyAt[to] = at;
      at += b - a;
      to++;
    }
    this.keyAt[to] = at;
    this.gone.fill(0);
    this.n = to;
    this.head = 0;
    this.goneAfterHead = 0;
    for (let e = 0; e < to; e++) this.index(e);
  }

  private clear(): void {
    this.table.fill(0);
    this.gone.fill(0);
    this.n = 0;
    this.head = 0;
    this.goneAfterHead = 0;
    this.keyAt[0] = 0;
    this.oldest = Number.POSITIVE_INFINITY;
    this.latest = Number.NEGATIVE_INFINITY;
    this.ordered = true;
  }
}

/** A power of two, at most half full when every entry is in it (live or gone). */
function tableSize(entries: number): number {
  return 2 ** Math.ceil(Math.log2(2 * entries));
}

/** Whether bytes[from, to) go into a JSON string as they are: no quote, backslash or control. */
function plainJson(bytes: Uint8Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = bytes[k]!;
    if (c < 0x20 || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** Writes `value` as JSON.stringify would, at `at`; returns the end. */
function writeNumber(out: Buffer, at: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) return at + out.write(String(value), at, "latin1");
  const start = at;
  do {
    out[at++] = 48 + (value % 10);
    value = Math.floor(value / 10);
  } while (value > 0);
  for (let a = start, b = at - 1; a < b; a++, b--) {
    const c = out[a]!;
    out[a] = out[b]!;
    out[b] = c;
  }
  return at;
}
