import assert from "node:assert/strict";
import { it } from "node:test";
import { backoffDelay, parseRetryAfter, rateLimitDelay } from "../../src/vco/retry.js";

it("reads Retry-After as seconds or an HTTP date", () => {
  const now = Date.parse("2024-05-01T00:00:00Z");
  assert.equal(parseRetryAfter("3", now), 3000);
  assert.equal(parseRetryAfter("Wed, 01 May 2024 00:00:10 GMT", now), 10_000);
  assert.equal(parseRetryAfter("Wed, 01 May 2023 00:00:10 GMT", now), 0);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
  assert.equal(parseRetryAfter("99999", now), 600_000, "capped");
});

it("waits the documented 5 s penalty after a 429 without a Retry-After it can read", () => {
  // The VCO's documented penalty, written out: not the constant the code uses, compared to itself.
  for (const header of [undefined, "", "soon", ["2"]])
    assert.equal(rateLimitDelay(header, 0), 5000);
  assert.equal(rateLimitDelay("2", 0), 2000);
  assert.equal(rateLimitDelay("0", 0), 0, "a Retry-After of 0 is honoured, not the default");
  const now = Date.parse("2024-05-01T00:00:00Z");
  assert.equal(rateLimitDelay("Wed, 01 May 2024 00:00:07 GMT", now), 7000);
});

it("backs off exponentially with jitter, capped at 30 s", () => {
  const mid = () => 0.5;
  assert.deepEqual(
    [1, 2, 3, 4, 10].map((n) => backoffDelay(n, mid)),
    [500, 1000, 2000, 4000, 30_000],
  );
  assert.equal(
    backoffDelay(1, () => 0),
    400,
  );
  assert.equal(
    backoffDelay(1, () => 1),
    600,
  );
});
