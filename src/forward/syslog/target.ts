import type net from "node:net";
import { DeliveryError, TlsError } from "../../errors.js";
import type { ForwardItem, ForwardTarget } from "../target.js";
import { cefMessage } from "./cef.js";
import { connect, readTlsFiles, type TlsFiles } from "./connection.js";
import { frame, syslogMessage } from "./rfc5424.js";
import type { SyslogSettings } from "./settings.js";

const CONNECT_TIMEOUT_MS = 10_000;
/** How long the receiver may take to read what was sent and close its side. */
const CLOSE_TIMEOUT_MS = 60_000;
/** Messages are joined into writes of about this size. */
const CHUNK_BYTES = 256 * 1024;
/**
 * A TLS receiver that refuses our client certificate (or its absence) does so after the handshake
 * has completed on our side, by closing the connection, as cleanly as it closes after reading a
 * batch. So the first connection of a run waits this long for such a close before sending.
 */
const TLS_SETTLE_MS = 300;

/**
 * RFC 5424 over TCP or TLS (RFC 5425), framed by octet counting (RFC 6587). Syslog has no
 * acknowledgement, so each batch goes over its own connection, which this side then closes and
 * waits for the receiver to close too: a receiver closes only after reading everything before
 * our close, and a receiver that dies with unread bytes resets the connection instead. So "sent"
 * means the receiver read every byte, not just that the bytes left this machine.
 *
 * One case looks the same as that close: a receiver killed after reading the last bytes but
 * before writing them out, whose kernel then closes the connection cleanly for it. A receiver that
 * is gone no longer listens, so after each batch a second, empty connection must be accepted and
 * closed by the receiver too before the batch counts as delivered.
 */
export class SyslogTarget implements ForwardTarget {
  readonly name: string;
  private readonly files: TlsFiles;
  private socket: net.Socket | undefined;
  private settled = false;

  constructor(
    private readonly settings: SyslogSettings,
    private readonly timeouts = { connectMs: CONNECT_TIMEOUT_MS, closeMs: CLOSE_TIMEOUT_MS },
  ) {
    this.name = settings.name;
    this.files = readTlsFiles(settings);
  }

  format(item: ForwardItem): string {
    const msg = this.settings.format === "cef" ? cefMessage(item) : item.line;
    return frame(syslogMessage(item, this.settings.facility, msg));
  }

  async send(batch: readonly ForwardItem[], signal?: AbortSignal): Promise<void> {
    if (batch.length === 0) return;
    await this.exchange(batch, signal);
    // An empty connection after it, opened and closed cleanly too: the receiver is still there, so
    // its close of the batch's connection was its own (see the class).
    await this.exchange([], signal).catch((err: unknown) => {
      if (!(err instanceof DeliveryError)) throw err;
      throw new DeliveryError(
        `${this.name} went away right after reading a batch (${err.code ?? "no clean close"}); ` +
          "it may not have written the batch out, so the batch is sent again on the next run",
        err.code,
      );
    });
  }

  /** One connection: the batch, our close, and the receiver's close. */
  private async exchange(batch: readonly ForwardItem[], signal?: AbortSignal): Promise<void> {
    const socket = await connect(this.settings, this.files, this.timeouts.connectMs, signal);
    this.socket = socket;
    try {
      if (this.settings.protocol === "tls" && !this.settled) {
        await refusedAfterHandshake(socket, this.name);
        this.settled = true;
      }
      await this.deliver(socket, batch, signal);
    } finally {
      socket.destroy();
      this.socket = undefined;
    }
  }

  private deliver(
    socket: net.Socket,
    batch: readonly ForwardItem[],
    signal?: AbortSignal,
  ): Promise<void> {
    const where = this.name;
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let sentAll = false;
      const finish = (err?: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        socket.removeAllListeners("error");
        socket.removeAllListeners("end");
        socket.removeAllListeners("close");
        socket.on("error", () => {});
        if (err) reject(err);
        else resolve();
      };
      const broken = (err: Error) =>
        finish(
          new DeliveryError(
            `the connection to ${where} broke (${(err as NodeJS.ErrnoException).code || err.message}); ` +
              "the unconfirmed batch is sent again on the next run",
            (err as NodeJS.ErrnoException).code || undefined,
          ),
        );
      const onAbort = () => broken(Object.assign(new Error("stopped"), { code: "ABORTED" }));
      signal?.addEventListener("abort", onAbort, { once: true });
      socket.on("error", broken);
      // The receiver closing its side is the only confirmation syslog offers (see the class).
      socket.on("end", () => {
        if (!sentAll)
          broken(Object.assign(new Error("the receiver closed early"), { code: "EPIPE" }));
      });
      // Resolved on "close", not "end": a receiver that closed before reading everything (a refusal)
      // makes its kernel answer the rest with a reset, which comes as an error between the two.
      socket.on("close", (hadError) =>
        hadError
          ? broken(Object.assign(new Error("reset"), { code: "ECONNRESET" }))
          : sentAll
            ? finish()
            : broken(Object.assign(new Error("the receiver closed early"), { code: "EPIPE" })),
      );
      socket.resume();
      void this.writeAll(socket, batch).then(
        () => {
          sentAll = true;
          socket.end();
          timer = setTimeout(
            () =>
              broken(
                Object.assign(
                  new Error(
                    `no close from the receiver within ${this.timeouts.closeMs / 1000} s of the batch's end; ` +
                      "a batch counts as delivered only when the receiver closes after reading it (docs/siem.md)",
                  ),
                  { code: "" },
                ),
              ),
            this.timeouts.closeMs,
          );
        },
        (err: Error) => broken(err),
      );
    });
  }

  private async writeAll(socket: net.Socket, batch: readonly ForwardItem[]): Promise<void> {
    // Framed messages are joined as text and encoded once per chunk, not once per message.
    let pieces: string[] = [];
    let bytes = 0;
    const flush = async () => {
      const chunk = Buffer.from(pieces.join(""), "utf8");
      pieces = [];
      bytes = 0;
      if (!socket.write(chunk)) {
        await new Promise<void>((resolve, reject) => {
          const onDrain = () => {
            socket.off("close", onClose);
            resolve();
          };
          const onClose = () => {
            socket.off("drain", onDrain);
            reject(Object.assign(new Error("closed while writing"), { code: "EPIPE" }));
          };
          socket.once("drain", onDrain);
          socket.once("close", onClose);
        });
      }
    };
    for (const item of batch) {
      if (socket.destroyed) throw Object.assign(new Error("closed"), { code: "EPIPE" });
      const framed = this.format(item);
      pieces.push(framed);
      bytes += framed.length;
      if (bytes >= CHUNK_BYTES) await flush();
    }
    if (bytes > 0) await flush();
  }

  async close(): Promise<void> {
    this.settled = false;
    this.socket?.destroy();
    this.socket = undefined;
  }
}

/** Throws when the receiver closes the connection within TLS_SETTLE_MS of the handshake. */
function refusedAfterHandshake(socket: net.Socket, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.off("end", onClose);
      socket.off("close", onClose);
      socket.off("error", onClose);
      if (err) reject(err);
      else resolve();
    };
    const onClose = () =>
      done(
        new TlsError(
          `${name} closed the connection right after the TLS handshake: it probably refused our ` +
            "client certificate; set VCO_SYSLOG_CERT_FILE and VCO_SYSLOG_KEY_FILE to one it trusts",
        ),
      );
    const timer = setTimeout(() => done(), TLS_SETTLE_MS);
    socket.once("end", onClose);
    socket.once("close", onClose);
    socket.once("error", onClose);
    socket.resume();
  });
}
