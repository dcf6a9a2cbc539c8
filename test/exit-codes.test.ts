// The README's exit-code table, row by row: each kind of failure, the code it exits with. The
// end-to-end tests named beside each row show the real failure reaching that code.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AuthError,
  ConfigError,
  GaveUpError,
  HostNotFoundError,
  HttpError,
  LockedError,
  ProxyError,
  ResponseShapeError,
  RunFailedError,
  StaleError,
  StoppedError,
  StorageError,
  TlsError,
  VcoError,
} from "../src/errors.js";
import { exitCodeFor, exitCodeForSignal, isUserError } from "../src/exit-codes.js";

const TABLE: Array<[string, unknown, number]> = [
  ["a bug", new TypeError("x is undefined"), 1],
  ["the output cannot be created (files.test)", new StorageError("read-only", "EROFS"), 73],
  ["the disk is full (files.test)", new StorageError("full", "ENOSPC"), 74],
  ["an I/O error", new StorageError("io", "EIO"), 74],
  ["retry budget spent (faults.test, setup-errors.test)", new GaveUpError("gave up"), 75],
  ["another run holds the lock (concurrency.test)", new LockedError("locked"), 75],
  ["stopped by SIGTERM/SIGINT (stop.test)", new StoppedError("stopped"), 75],
  ["status --max-age: too long without success (status.test)", new StaleError("stale"), 75],
  ["a proxy that answers 502 (proxy.test)", new ProxyError(502, "bad gateway"), 75],
  ["a proxy that resets (proxy.test)", new ProxyError(undefined, "reset", "ECONNRESET"), 75],
  ["a reply of the wrong shape (bad-replies.test)", new ResponseShapeError("m", "x"), 76],
  ["a JSON-RPC error from the VCO", new VcoError(-32602, "m", "bad params"), 76],
  ["an HTTP status other than 404 that got through", new HttpError(418, "m", ""), 76],
  ["credentials refused (faults.test, tls-secrets.test)", new AuthError("no"), 77],
  ["a proxy that wants credentials: 407 (proxy.test)", new ProxyError(407, "auth"), 77],
  ["a proxy whose policy forbids the VCO: 403 (proxy.test)", new ProxyError(403, "no"), 77],
  ["bad configuration (fetch.test)", new ConfigError("bad"), 78],
  [
    "a host that does not resolve, never worked (setup-errors.test)",
    new HostNotFoundError("x"),
    78,
  ],
  ["404 on the API path, never worked (setup-errors.test)", new HttpError(404, "m", ""), 78],
  ["a certificate that fails verification (tls-secrets.test)", new TlsError("x"), 78],
];

describe("exit codes", () => {
  for (const [what, err, code] of TABLE) {
    it(`${code}: ${what}`, () => {
      assert.equal(exitCodeFor(err), code);
      assert.equal(isUserError(err), code !== 1, "only a bug earns a stack trace");
    });
  }

  it("130/143: a second SIGINT/SIGTERM exits at once", () => {
    assert.equal(exitCodeForSignal("SIGINT"), 130);
    assert.equal(exitCodeForSignal("SIGTERM"), 143);
  });

  it("several failures in one run: the one a person must act on decides", () => {
    const run = (...errs: unknown[]) => exitCodeFor(new RunFailedError(errs));
    assert.equal(run(new GaveUpError("a"), new AuthError("b")), 77);
    assert.equal(run(new GaveUpError("a"), new ResponseShapeError("m", "x")), 76);
    assert.equal(run(new StorageError("x", "EACCES"), new ConfigError("c")), 78);
    assert.equal(run(new LockedError("a"), new TypeError("bug")), 1);
  });
});
