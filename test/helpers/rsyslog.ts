// A real rsyslogd (Debian's rsyslog, plus rsyslog-gnutls for TLS) run by a test: foreground, its
// own config, pid file and work dir in a temp folder, imtcp on a free loopback port. It writes what
// it parsed of each message (one tab-separated line through a template) to a file of its own per
// start, so a kill mid-write never runs two instances' lines together.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { after } from "node:test";

const CANDIDATES = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd", "/usr/local/sbin/rsyslogd"];
export const RSYSLOGD: string | undefined = CANDIDATES.find((p) => fs.existsSync(p));
const MODULES = [
  "/usr/lib/x86_64-linux-gnu/rsyslog",
  "/usr/lib/aarch64-linux-gnu/rsyslog",
  "/usr/lib/rsyslog",
];
export const hasGtls: boolean = MODULES.some((d) => fs.existsSync(path.join(d, "lmnsd_gtls.so")));

/** Set by .ci/run once rsyslog is installed (or CI set): then a missing rsyslogd fails, not skips. */
const required = Boolean(process.env.CI || process.env.VCO_TEST_REQUIRE_RSYSLOG);

/** The `skip` option: false, or why. */
export const skipWithoutRsyslog: false | string =
  RSYSLOGD || required
    ? false
    : "rsyslogd is not installed (apt-get install rsyslog rsyslog-gnutls; .ci/run does it in CI)";
export const skipWithoutGtls: false | string =
  skipWithoutRsyslog ||
  (hasGtls || required
    ? false
    : "rsyslog-gnutls is not installed (apt-get install rsyslog-gnutls)");

/** One message as rsyslog parsed it. */
export interface Parsed {
  msgid: string;
  timestamp: string;
  hostname: string;
  appName: string;
  facility: string;
  severity: string;
  structuredData: string;
  msg: string;
}

export interface RsyslogOptions {
  /** TLS with these PEM files (RFC 5425); `clientCa` asks for a client certificate it signed. */
  tls?: { caFile: string; certFile: string; keyFile: string; clientCa?: boolean };
  /** Extra config (imfile inputs, ...) appended as is. */
  extra?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const TEMPLATE = [
  "msgid",
  "timereported",
  "hostname",
  "app-name",
  "syslogfacility-text",
  "syslogseverity-text",
  "structured-data",
  "msg",
];

export class Rsyslog {
  private child: ChildProcess | undefined;
  private starts = 0;
  readonly port: Promise<number>;

  constructor(
    readonly dir: string,
    private readonly opts: RsyslogOptions = {},
  ) {
    fs.mkdirSync(path.join(dir, "work"), { recursive: true });
    this.port = freePort();
    after(() => this.kill());
  }

  /** The output file of the n-th start (1-based). */
  outFile(n: number): string {
    return path.join(this.dir, `parsed-${n}.log`);
  }

  private async config(out: string): Promise<string> {
    const t = this.opts.tls;
    const props = TEMPLATE.map(
      (p) =>
        `  property(name="${p}"${p === "timereported" ? ' dateFormat="rfc3339"' : ""})` +
        (p === "msg" ? ' constant(value="\\n")' : ' constant(value="\\t")'),
    ).join("\n");
    return [
      `global(workDirectory="${this.dir}/work" maxMessageSize="64k"` +
        (t
          ? ` defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile="${t.caFile}"` +
            ` defaultNetstreamDriverCertFile="${t.certFile}" defaultNetstreamDriverKeyFile="${t.keyFile}"`
          : "") +
        ")",
      t
        ? `module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="${t.clientCa ? "x509/certvalid" : "anon"}")`
        : `module(load="imtcp")`,
      // Direct: a message is written before the next is read, so what rsyslog has read before it
      // closes a connection is in the file, and a kill loses only the batch being received.
      `main_queue(queue.type="Direct")`,
      `input(type="imtcp" port="${await this.port}" address="127.0.0.1")`,
      `template(name="parsed" type="list") {\n${props}\n}`,
      this.opts.extra ?? "",
      `if $app-name == "vco-events" then {`,
      `  action(type="omfile" file="${out}" template="parsed" flushOnTXEnd="on" asyncWriting="off")`,
      `  stop`,
      `}`,
      `action(type="omfile" file="${this.dir}/other.log")`,
    ].join("\n");
  }

  /** Start (again), and wait until it accepts connections. */
  async start(): Promise<void> {
    if (!RSYSLOGD) throw new Error("rsyslogd is not installed");
    this.starts++;
    const conf = path.join(this.dir, `rsyslog-${this.starts}.conf`);
    fs.writeFileSync(conf, await this.config(this.outFile(this.starts)));
    const pid = path.join(this.dir, "rsyslogd.pid");
    fs.rmSync(pid, { force: true });
    let stderr = "";
    const child = spawn(RSYSLOGD, ["-n", "-f", conf, "-i", pid], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    this.child = child;
    const port = await this.port;
    const until = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`rsyslogd exited: ${stderr}`);
      if (await canConnect(port)) return;
      if (Date.now() > until) throw new Error(`rsyslogd did not listen on ${port}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGSTOP: it stops reading, while the kernel still accepts connections and buffers bytes. */
  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  /** SIGKILL, and wait until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once("close", () => r()));
    child.kill("SIGKILL");
    await gone;
  }

  /** Raw lines of every start's output, complete lines only (a kill may leave a partial one). */
  rawLines(): string[] {
    const out: string[] = [];
    for (let n = 1; n <= this.starts; n++) {
      if (!fs.existsSync(this.outFile(n))) continue;
      const text = fs.readFileSync(this.outFile(n), "utf8");
      out.push(
        ...text
          .slice(0, text.lastIndexOf("\n") + 1)
          .split("\n")
          .filter(Boolean),
      );
    }
    return out;
  }

  parsed(): Parsed[] {
    return this.rawLines().map((l) => {
      const f = l.split("\t");
      return {
        msgid: f[0]!,
        timestamp: f[1]!,
        hostname: f[2]!,
        appName: f[3]!,
        facility: f[4]!,
        severity: f[5]!,
        structuredData: f[6]!,
        msg: f.slice(7).join("\t"),
      };
    });
  }

  /** Count of complete lines so far, cheaply (for waiting). */
  count(): number {
    let n = 0;
    for (let i = 1; i <= this.starts; i++) {
      if (!fs.existsSync(this.outFile(i))) continue;
      const buf = fs.readFileSync(this.outFile(i));
      for (let at = buf.indexOf(10); at >= 0; at = buf.indexOf(10, at + 1)) n++;
    }
    return n;
  }
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

/** The SD-PARAM `name` of an RFC 5424 structured-data string, unescaped. */
export function sdParam(sd: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(sd);
  return m?.[1]?.replace(/\\(["\\\]])/g, "$1");
}

/** A client certificate signed by the test CA (pki.ts), for mutual TLS. */
export function makeClientCert(pkiDir: string): { certFile: string; keyFile: string } {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: pkiDir, stdio: "pipe" });
  ssl(
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "client.key",
    "-out",
    "client.csr",
    "-subj",
    "/CN=vco-events client",
  );
  fs.writeFileSync(
    path.join(pkiDir, "client-ext.cnf"),
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
  );
  ssl(
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "client.pem",
    "-days",
    "2",
    "-extfile",
    "client-ext.cnf",
  );
  return { certFile: path.join(pkiDir, "client.pem"), keyFile: path.join(pkiDir, "client.key") };
}
