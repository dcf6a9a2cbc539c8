// The forwarder against files changing underneath: logrotate create and copytruncate between runs,
// a receiver that fails mid-run, a line still being written. The receiver here is a ForwardTarget
// that records what it confirmed (the syslog target itself is tested against rsyslogd, e2e/syslog).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { DeliveryError } from "../../src/errors.js";
import { loadSinkCursor } from "../../src/forward/cursor-store.js";
import { BATCH_EVENTS, forwardSink } from "../../src/forward/forwarder.js";
import { sinkLag } from "../../src/forward/lag.js";
import type { StreamFolder } from "../../src/forward/stream-folders.js";
import type { ForwardItem, ForwardTarget } from "../../src/forward/target.js";
import { FakeClock, silentLogger, tempDir } from "../helpers/kit.js";

class Recorder implements ForwardTarget {
  readonly name = "test sink";
  readonly got: string[] = [];
  batches = 0;
  /** Fail the n-th send (1-based) after "receiving" half of it. */
  constructor(private readonly failAt = 0) {}
  async send(batch: readonly ForwardItem[]): Promise<void> {
    this.batches++;
    if (this.batches === this.failAt) {
      this.got.push(...batch.slice(0, batch.length / 2).map((i) => i.key));
      throw new DeliveryError("broken");
    }
    this.got.push(...batch.map((i) => i.key));
  }
  async close(): Promise<void> {}
}

const line = (id: number) =>
  `${JSON.stringify({ id, eventTime: new Date(Date.UTC(2026, 10, 30, 0, 0, id)).toISOString(), event: "E", severity: "INFO" })}\n`;
const lines = (from: number, to: number) => {
  let s = "";
  for (let i = from; i <= to; i++) s += line(i);
  return s;
};
const keys = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `vco.test/${from + i}`);

function setup() {
  const dir = tempDir();
  const abs = path.join(dir, "ACME");
  fs.mkdirSync(abs);
  const folder: StreamFolder = {
    rel: "ACME",
    abs,
    host: "vco.test",
    enterprise: { id: 1, name: "ACME" },
    stream: "enterprise",
  };
  const file = path.join(abs, "events.json");
  const run = (target: ForwardTarget) =>
    forwardSink({
      dataDir: dir,
      target,
      folders: [folder],
      clock: new FakeClock(),
      logger: silentLogger(),
    });
  return { dir, abs, file, folder, run };
}

describe("forwarding events.json", () => {
  it("sends each line once, and only what was appended since", async () => {
    const { file, run } = setup();
    fs.writeFileSync(file, lines(1, 10));
    const r = new Recorder();
    assert.equal((await run(r)).sent, 10);
    fs.appendFileSync(file, lines(11, 15));
    await run(r);
    await run(r);
    assert.deepEqual(r.got, keys(1, 15));
  });

  it("leaves a last line without its newline for later (fetch may be writing it)", async () => {
    const { file, run } = setup();
    fs.writeFileSync(file, lines(1, 3) + line(4).slice(0, 20));
    const r = new Recorder();
    await run(r);
    assert.deepEqual(r.got, keys(1, 3));
    fs.appendFileSync(file, line(4).slice(20));
    await run(r);
    assert.deepEqual(r.got, keys(1, 4));
  });

  it("logrotate create between runs: the rest of the renamed file, then the new one", async () => {
    const { abs, file, run } = setup();
    fs.writeFileSync(file, lines(1, 10));
    const r = new Recorder();
    await run(r);
    fs.appendFileSync(file, lines(11, 15));
    fs.renameSync(file, path.join(abs, "events.json.1"));
    fs.writeFileSync(file, lines(16, 20));
    await run(r);
    await run(r);
    assert.deepEqual(r.got, keys(1, 20));
  });

  it("logrotate copytruncate between runs: the rest of the copy, then the emptied file", async () => {
    const { abs, file, run } = setup();
    fs.writeFileSync(file, lines(1, 10));
    const r = new Recorder();
    await run(r);
    fs.appendFileSync(file, lines(11, 15));
    fs.copyFileSync(file, path.join(abs, "events.json.1"));
    fs.truncateSync(file, 0);
    // Refilled past the old cursor: the same inode and a bigger size, but other bytes.
    fs.appendFileSync(file, lines(16, 40));
    await run(r);
    await run(r);
    assert.deepEqual(r.got, keys(1, 40));
  });

  it("a receiver that breaks mid-run: the next run resends from the last confirmed batch", async () => {
    const { file, dir, run } = setup();
    const total = BATCH_EVENTS * 2 + 10;
    fs.writeFileSync(file, lines(1, total));
    const broken = new Recorder(2);
    await assert.rejects(run(broken), DeliveryError);
    const cursor = await loadSinkCursor(dir, "test sink");
    assert.equal(cursor?.files.ACME?.offset, Buffer.byteLength(lines(1, BATCH_EVENTS)));
    const lag = await sinkLag(dir, "test sink", [setup_folder(dir)]);
    assert.equal(lag.pending, total - BATCH_EVENTS);
    const again = new Recorder();
    await run(again);
    const all = [...broken.got, ...again.got];
    assert.deepEqual(new Set(all), new Set(keys(1, total)), "nothing lost");
    assert.equal(
      all.length - new Set(all).size,
      BATCH_EVENTS / 2,
      "only the unconfirmed batch twice",
    );
  });
});

function setup_folder(dir: string): StreamFolder {
  return {
    rel: "ACME",
    abs: path.join(dir, "ACME"),
    host: "vco.test",
    enterprise: undefined,
    stream: "enterprise",
  };
}
