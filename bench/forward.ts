// The forward row of `npm run bench`: a data dir with N events in one events.json (written with the
// simulator's EventFactory, so lines are the size of real ones), a real rsyslogd on loopback
// (imtcp, a Direct queue, omfile), and `vco-events forward` spawned against it: events per second
// from spawn to exit, peak RSS at two sizes (flat memory), and a count of what rsyslog wrote.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { EventFactory } from "../src/simulator/event-factory.js";

const RSYSLOGD = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"].find((p) => fs.existsSync(p));

export interface ForwardRow {
  events: number;
  wallMs: number;
  rssMiB: number | undefined;
  received: number;
}

export interface ForwardBenchOptions {
  tmp: string;
  cli: string;
  /** The rss-hook.js URL, preloaded with --import. */
  hook: string;
  sizes: number[];
}

/** undefined when rsyslogd is not installed (the caller says so). */
export async function forwardBench(o: ForwardBenchOptions): Promise<ForwardRow[] | undefined> {
  if (!RSYSLOGD) return undefined;
  const rows: ForwardRow[] = [];
  for (const n of o.sizes) {
    const dir = path.join(o.tmp, `forward-${n}`);
    const dataDir = path.join(dir, "data");
    await writeEvents(dataDir, n);
    const rs = await startRsyslog(dir);
    try {
      rows.push(await runForward(o, dataDir, rs, n));
    } finally {
      rs.child.kill("SIGKILL");
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

async function writeEvents(dataDir: string, n: number): Promise<void> {
  await fsp.mkdir(path.join(dataDir, ".state"), { recursive: true });
  await fsp.writeFile(
    path.join(dataDir, ".state", "orchestrator.json"),
    JSON.stringify({ version: 1, vco: "https://vco.bench.example", workedAt: null, clock: null }),
  );
  await fsp.mkdir(path.join(dataDir, "Bench"), { recursive: true });
  const factory = new EventFactory("classic", "Bench");
  const first = factory.reserve(n);
  const start = Date.now() - 7 * 86_400_000;
  const fh = await fsp.open(path.join(dataDir, "Bench", "events.json"), "w");
  try {
    const buf = Buffer.alloc(4 << 20);
    let at = 0;
    for (let i = 0; i < n; i++) {
      if (at + factory.maxBytes + 1 > buf.length) {
        await fh.write(buf, 0, at);
        at = 0;
      }
      const t = Math.floor((start + (i * 7 * 86_400_000) / n) / 1000) * 1000;
      at = factory.renderInto(buf, at, first + i, t);
      buf[at++] = 0x0a;
    }
    await fh.write(buf, 0, at);
  } finally {
    await fh.close();
  }
}

interface Rs {
  child: ChildProcess;
  port: number;
  out: string;
}

async function startRsyslog(dir: string): Promise<Rs> {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const out = path.join(dir, "received.log");
  await fsp.mkdir(path.join(dir, "work"), { recursive: true });
  const conf = path.join(dir, "rsyslog.conf");
  await fsp.writeFile(
    conf,
    [
      `global(workDirectory="${dir}/work" maxMessageSize="64k")`,
      `module(load="imtcp")`,
      `main_queue(queue.type="Direct")`,
      `input(type="imtcp" port="${port}" address="127.0.0.1")`,
      `template(name="t" type="string" string="%msgid% %structured-data%\\n")`,
      `action(type="omfile" file="${out}" template="t" flushOnTXEnd="on" asyncWriting="off")`,
    ].join("\n"),
  );
  const child = spawn(RSYSLOGD!, ["-n", "-f", conf, "-i", path.join(dir, "pid")], {
    stdio: "ignore",
  });
  for (const until = Date.now() + 20_000; ;) {
    if (await canConnect(port)) return { child, port, out };
    if (child.exitCode !== null || Date.now() > until) throw new Error("rsyslogd did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runForward(
  o: ForwardBenchOptions,
  dataDir: string,
  rs: Rs,
  n: number,
): Promise<ForwardRow> {
  const rssFile = path.join(path.dirname(dataDir), "rss");
  const t0 = performance.now();
  const child = spawn(process.execPath, ["--import", o.hook, o.cli, "forward"], {
    env: {
      PATH: process.env.PATH,
      VCO_DATA_DIR: dataDir,
      VCO_SYSLOG: `tcp://127.0.0.1:${rs.port}`,
      LOG_LEVEL: "warn",
      BENCH_RSS_FILE: rssFile,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on("close", r));
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`forward exited ${code}: ${stderr}`);
  const kib = Number(await fsp.readFile(rssFile, "utf8").catch(() => "NaN"));
  return {
    events: n,
    wallMs,
    rssMiB: Number.isFinite(kib) ? kib / 1024 : undefined,
    received: await countLines(rs.out),
  };
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of fs.createReadStream(file)) {
    const b = chunk as Buffer;
    for (let at = b.indexOf(10); at >= 0; at = b.indexOf(10, at + 1)) n++;
  }
  return n;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
