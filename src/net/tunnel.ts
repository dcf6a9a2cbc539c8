import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import { ProxyError } from "../errors.js";
import type { ProxyTarget } from "./proxy-env.js";

/** The longest proxy answer header this reads before calling the proxy broken. */
const MAX_HEADER = 16 * 1024;

/**
 * An HTTP CONNECT tunnel through `proxy` to host:port: a plain socket on which the caller starts
 * TLS to the VCO, so certificate checks stay end to end. A proxy that answers anything but 2xx
 * gets a ProxyError naming the proxy (never its credentials) and its answer.
 *
 * Hand-written rather than https-proxy-agent: that agent replays a refusal as if the VCO had sent
 * it, so a proxy's 403 would read as "the VCO refused the credentials".
 */
export function openTunnel(
  proxy: ProxyTarget,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<net.Socket> {
  const target = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    let head = Buffer.alloc(0);
    const fail = (err: ProxyError) => {
      socket.destroy();
      reject(err);
    };
    const onError = (e: NodeJS.ErrnoException) =>
      fail(
        new ProxyError(
          undefined,
          `proxy ${proxy.display} (from ${proxy.source}) could not be reached: ${e.code ?? e.message}`,
          e.code,
        ),
      );
    const onClose = () =>
      fail(
        new ProxyError(
          undefined,
          `proxy ${proxy.display} closed the connection instead of opening a tunnel to ${target}`,
          "ECONNRESET",
        ),
      );
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > MAX_HEADER) onClose();
        return;
      }
      socket.off("data", onData).off("error", onError).off("close", onClose).setTimeout(0);
      const statusLine = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
      const m = /^HTTP\/1\.[01] (\d{3})\s*(.*)$/.exec(statusLine);
      const status = m ? Number(m[1]) : 0;
      if (status >= 200 && status < 300) {
        const rest = head.subarray(end + 4);
        if (rest.length > 0) socket.unshift(rest);
        resolve(socket);
        return;
      }
      fail(refusal(proxy, target, status, m?.[2] ?? statusLine.slice(0, 80)));
    };
    socket.on("data", onData).on("error", onError).on("close", onClose);
    socket.setTimeout(timeoutMs, () =>
      fail(
        new ProxyError(
          undefined,
          `proxy ${proxy.display} did not answer the tunnel request to ${target} within ${timeoutMs} ms`,
          "ETIMEDOUT",
        ),
      ),
    );
    const auth =
      proxy.username !== undefined
        ? `Proxy-Authorization: Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ""}`).toString("base64")}\r\n`
        : "";
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
  });
}

function refusal(proxy: ProxyTarget, target: string, status: number, reason: string): ProxyError {
  const said = `proxy ${proxy.display} (from ${proxy.source}) answered ${status} ${reason.trim()} to CONNECT ${target}`;
  const fix =
    status === 407
      ? proxy.username === undefined
        ? ": it wants a user name and password; put them in the proxy URL, http://user:password@host:port (percent-encode @ and :)"
        : ": it refused the user name and password in the proxy URL; check them (percent-encode @ and :)"
      : status === 403
        ? ": its policy does not allow this destination; ask its administrators to allow the orchestrator's host and port 443"
        : status === 502 || status === 503 || status === 504
          ? ": it could not reach the orchestrator (check VCO_HOSTNAME, or the proxy's own connectivity); retried"
          : status === 0
            ? ": that is not an HTTP proxy's answer; check the proxy URL"
            : "";
  return new ProxyError(status || undefined, `${said}${fix}`);
}

/**
 * An https.Agent whose connections are CONNECT tunnels through `proxy`, with TLS on top (the
 * agent's own `ca` and `rejectUnauthorized` apply): pooling and keep-alive work as without a proxy.
 */
export class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: ProxyTarget,
    private readonly tunnelTimeoutMs: number,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = String(options.host ?? options.hostname ?? "");
    const port = Number(options.port ?? 443);
    openTunnel(this.proxy, host, port, this.tunnelTimeoutMs).then(
      (socket) => {
        const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket });
        callback?.(null, secure);
      },
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
