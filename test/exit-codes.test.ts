// The README's exit-code table, row by row: each kind of failure, the code it exits with. The
// end-to-end tests named beside each row show the real failure reaching that code.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as E from "../src/errors.js";
import { exitCodeFor, exitCodeForSignal, isUserError } from "../src/exit-codes.js";

const TABLE: Array<[string, unknown, number]> = [
  ["a bug", new TypeError("x is undefined"), 1],
  ["the output cannot be created (files.test)", new E.StorageError("read-only", "EROFS"), 73],
  ["the disk is full (files.test)", new E.StorageError("full", "ENOSPC"), 74],
  ["an I/O error", new E.StorageError("io", "EIO"), 74],
  ["retry budget spent (faults.test, setup-errors.test)", new E.GaveUpError("gave up"), 75],
  ["another run holds the lock (concurrency.test)", new E.LockedError("locked"), 75],
  ["stopped by SIGTERM/SIGINT (stop.test)", new E.StoppedError("stopped"), 75],
  ["status --max-age: too long without success (status.test)", new E.StaleError("stale"), 75],
  ["a proxy that answers 502 (proxy.test)", new E.ProxyError(502, "bad gateway"), 75],
  ["a proxy that resets (proxy.test)", new E.ProxyError(undefined, "reset", "ECONNRESET"), 75],
  ["a reply of the wrong shape (bad-replies.test)", new E.ResponseShapeError("m", "x"), 76],
  ["a JSON-RPC error from the VCO", new E.VcoError(-32602, "m", "bad params"), 76],
  ["an HTTP status other than 404 that got through", new E.HttpError(418, "m", ""), 76],
  ["credentials refused (faults.test, tls-secrets.test)", new E.AuthError("no"), 77],
  ["an invalid or disabled HEC token (forward/hec/target.test)", new E.SinkAuthError("no"), 77],
  ["HEC refused the data: 400 (forward/hec/target.test)", new E.SinkRejectedError("x"), 76],
  ["a SIEM receiver down or busy (forward/hec/target.test)", new E.DeliveryError("x"), 75],
  [
    "HTTP 401/403 on a method (a stream's 403 becomes a ConfigError: streams.test)",
    new E.RefusedError(403, "m", "no"),
    77,
  ],
  ["a proxy that wants credentials: 407 (proxy.test)", new E.ProxyError(407, "auth"), 77],
  ["a proxy whose policy forbids the VCO: 403 (proxy.test)", new E.ProxyError(403, "no"), 77],
  ["bad configuration (fetch.test)", new E.ConfigError("bad"), 78],
  [
    "a host that does not resolve, never worked (setup-errors.test)",
    new E.HostNotFoundError("x"),
    78,
  ],
  ["404 on the API path, never worked (setup-errors.test)", new E.HttpError(404, "m", ""), 78],
  ["a certificate that fails verification (tls-secrets.test)", new E.TlsError("x"), 78],
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
    const run = (...errs: unknown[]) => exitCodeFor(new E.RunFailedError(errs));
    assert.equal(run(new E.GaveUpError("a"), new E.AuthError("b")), 77);
    assert.equal(run(new E.GaveUpError("a"), new E.ResponseShapeError("m", "x")), 76);
    assert.equal(run(new E.StorageError("x", "EACCES"), new E.ConfigError("c")), 78);
    assert.equal(run(new E.LockedError("a"), new TypeError("bug")), 1);
  });
  it("several orchestrators (VCO_CONFIG): the most serious failure of any of them decides", () => {
    const one = (name: string, ...errs: unknown[]) => new E.OrchestratorFailedError(name, errs);
    const both = new E.RunFailedError([
      one("emea", new E.GaveUpError("down")),
      one("us", new E.LockedError("busy"), new E.AuthError("token refused")),
    ]);
    assert.equal(exitCodeFor(both), 77);
    assert.equal(exitCodeFor(new E.RunFailedError([one("emea", new E.GaveUpError("a"))])), 75);
    assert.equal(both.message, "emea: down; us: busy; token refused");
  });
});
