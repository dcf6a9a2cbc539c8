import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toSpawnSpec } from "../../src/scheduler/command-line.js";

const self = { execPath: "/usr/local/bin/node", cliPath: "/app/dist/src/cli.js" };

describe("toSpawnSpec", () => {
  it("runs `vco-events ...` with this installation's node and cli.js, without a shell", () => {
    assert.deepEqual(toSpawnSpec("vco-events fetch --since 2h", self), {
      file: "/usr/local/bin/node",
      args: ["/app/dist/src/cli.js", "fetch", "--since", "2h"],
    });
  });

  it("starts other plain commands directly", () => {
    assert.deepEqual(toSpawnSpec("/usr/bin/logger -t vco done", self), {
      file: "/usr/bin/logger",
      args: ["-t", "vco", "done"],
    });
  });

  it("hands shell syntax to /bin/sh -c", () => {
    for (const cmd of [
      "vco-events fetch && echo ok",
      "vco-events fetch > /tmp/out",
      "echo $HOME",
      "sh -c 'a b'",
      "TZ=UTC vco-events fetch",
    ]) {
      assert.deepEqual(toSpawnSpec(cmd, self), { file: "/bin/sh", args: ["-c", cmd] }, cmd);
    }
  });
});
