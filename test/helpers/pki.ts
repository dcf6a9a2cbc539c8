// Throwaway certificates made with the openssl CLI, for tests that talk TLS to a loopback server.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export const hasOpenssl: boolean = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
})();

/** The `skip` option of describe()/it(): false, or why there are no test certificates. */
export const skipWithoutOpenssl: false | string = hasOpenssl
  ? false
  : "the openssl CLI is not installed, so no test certificates";

export interface Pki {
  /** The CA that signed the server certificate. */
  caFile: string;
  /** A CA that signed nothing here: trusting it must not help. */
  otherCaFile: string;
  /** The server's private key and certificate, as PEM text and as files. */
  key: string;
  cert: string;
  keyFile: string;
  certFile: string;
}

export interface PkiOptions {
  /** The server certificate's subjectAltNames, DNS names or IPs; the first is also its CN. */
  names?: string[];
  /** How many days the server certificate is valid. */
  days?: number;
}

/** A throwaway CA, a server certificate signed by it (localhost/127.0.0.1 by default), and an unrelated CA. */
export function makePki(dir: string, opts: PkiOptions = {}): Pki {
  const names = opts.names ?? ["localhost", "127.0.0.1"];
  const days = opts.days ?? 2;
  if (names.length === 0) throw new Error("makePki needs at least one name");
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`makePki: days must be >= 1, not ${days}`);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  // The CA outlives the server certificate, so "expires in N days" is the server's date, not the CA's.
  const caDays = String(days + 1);
  for (const ca of ["ca", "other-ca"]) {
    ssl(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      `${ca}.key`,
      "-out",
      `${ca}.pem`,
      "-days",
      caDays,
      "-subj",
      `/CN=vco-events test ${ca}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
  }
  ssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=${names[0]}`);
  const san = names.map((n) => (net.isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  fs.writeFileSync(
    path.join(dir, "ext.cnf"),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\n` +
      "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  ssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    String(days),
    "-extfile",
    "ext.cnf",
  );
  const keyFile = path.join(dir, "server.key");
  const certFile = path.join(dir, "server.pem");
  return {
    caFile: path.join(dir, "ca.pem"),
    otherCaFile: path.join(dir, "other-ca.pem"),
    key: fs.readFileSync(keyFile, "utf8"),
    cert: fs.readFileSync(certFile, "utf8"),
    keyFile,
    certFile,
  };
}
