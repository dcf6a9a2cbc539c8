// What counts as delivered over plain TCP, against receivers on loopback: one that reads a batch
// and closes (delivered), and one that reads a batch and dies before writing it out, whose kernel
// then closes the connection just as cleanly (not delivered). rsyslogd itself is in e2e/syslog.
import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { DeliveryError } from "../../../src/errors.js";
import type { SyslogSettings } from "../../../src/forward/syslog/settings.js";
import { SyslogTarget } from "../../../src/forward/syslog/target.js";
import type { ForwardItem } from "../../../src/forward/target.js";

const items: ForwardItem[] = Array.from({ length: 50 }, (_, i) => {
  const event = { id: i, eventTime: "2026-11-30T10:00:01.000Z", event: "E", severity: "INFO" };
  return {
    line: JSON.stringify(event),
    event,
    key: `vco.test/${i}`,
    host: "vco.test",
    enterprise: { id: 1, name: "ACME" },
    stream: "enterprise",
  };
});

/**
 * A receiver that reads each connection to its end and then closes it. With `dieAfterFirst`, it
 * stops listening before that first close, as a killed process's kernel does: the sender sees the
 * same clean close, and nothing listens any more.
 */
async function receiver(dieAfterFirst: boolean) {
  const received: number[] = [];
  const server = net.createServer((socket) => {
    let bytes = 0;
    socket.on("data", (d) => (bytes += d.length));
    socket.on("end", () => {
      received.push(bytes);
      if (dieAfterFirst && received.length === 1) server.close(() => socket.end());
      else socket.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const settings: SyslogSettings = {
    protocol: "tcp",
    host: "127.0.0.1",
    port,
    name: `syslog tcp://127.0.0.1:${port}`,
    caFile: undefined,
    certFile: undefined,
    keyFile: undefined,
    facility: 16,
    format: "json",
    plainRemote: false,
  };
  return { received, server, target: new SyslogTarget(settings) };
}

describe("SyslogTarget: when a batch counts as delivered", () => {
  it("the receiver read the batch, closed, and still listens: delivered", async () => {
    const r = await receiver(false);
    try {
      await r.target.send(items);
      assert.equal(r.received.length, 2, "the batch, then an empty connection");
      assert.ok(r.received[0]! > 50 * 40, "the batch's bytes arrived");
      assert.equal(r.received[1], 0);
    } finally {
      await r.target.close();
      r.server.close();
    }
  });

  it("the receiver read the batch and died before writing it: not delivered", async () => {
    const r = await receiver(true);
    try {
      await assert.rejects(
        r.target.send(items),
        (err: Error) =>
          err instanceof DeliveryError &&
          /went away right after reading a batch \(ECONNREFUSED\).*sent again on the next run/.test(
            err.message,
          ),
      );
      assert.equal(r.received.length, 1, "the batch was read in full before the receiver died");
    } finally {
      await r.target.close();
    }
  });
});
