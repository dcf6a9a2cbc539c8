import type { ServerResponse } from "node:http";
import type { Fault } from "./faults.js";
import type { Replies, RpcCall } from "./rpc.js";

/** An injected fault in place of the reply, as a proxy or a sick VCO would answer. */
export function injure(out: Replies, res: ServerResponse, fault: Fault, method: string): void {
  switch (fault) {
    case "unauthorized":
      return out.send(
        res,
        401,
        "text/html",
        "<html><body>Unauthorized</body></html>",
        method,
        fault,
      );
    case "forbidden":
      return out.send(res, 403, "text/html", "<html><body>Forbidden</body></html>", method, fault);
    case "serverError":
      return out.sendJson(
        res,
        500,
        { error: { code: -32603, message: "Error parsing or processing request" } },
        method,
        fault,
      );
    case "badGateway":
      return out.send(
        res,
        502,
        "text/html",
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        method,
        fault,
      );
    case "unavailable":
      return out.send(
        res,
        503,
        "text/html",
        "<html><body><h1>503 Service Unavailable</h1>The server is temporarily unable to service your request.</body></html>",
        method,
        fault,
      );
    case "reset":
      out.record(method, 0, fault);
      res.socket?.destroy();
      return;
    case "truncate": {
      out.record(method, 0, fault);
      const full = `{"metaData":{"limit":2048,"more":false},"data":[${'{"id":1,"eventTime":"2020-01-01T00:00:00.000Z"},'.repeat(50)}`;
      res.writeHead(200, {
        "Content-Type": "application/json",
        "Content-Length": String(full.length * 2),
      });
      res.write(full.slice(0, Math.floor(full.length / 2)));
      setTimeout(() => res.socket?.destroy(), 5);
      return;
    }
    case "hang":
      out.record(method, 0, fault);
      return; // never answers; the client's timeout must fire
    case "trickle": {
      out.record(method, 200, fault);
      res.writeHead(200, { "Content-Type": "application/json" });
      // A byte every 50 ms keeps the socket busy, so only a deadline on the whole request helps.
      const drip = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(drip));
      return;
    }
    default:
      return;
  }
}

/** A 200 whose body is not what the method promises: the client's validation must catch it. */
export function wrongShape(out: Replies, res: ServerResponse, call: RpcCall, rpc: boolean): void {
  const body = rpc
    ? { jsonrpc: "2.0", id: call.rpcId, result: { data: "nope" } }
    : { data: "nope" };
  out.sendJson(res, 200, body, call.method, "wrongShape");
}

/** The VCO's 429 for a penalised client; Retry-After only when asked for, as the spec has none. */
export function tooMany(
  out: Replies,
  res: ServerResponse,
  retryAfterMs: number,
  method: string,
  retryAfterHeader: boolean | undefined,
): void {
  if (retryAfterHeader)
    res.setHeader("Retry-After", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  out.send(
    res,
    429,
    "text/html",
    "<html><body><h1>429 Too Many Requests</h1></body></html>",
    method,
    "rateLimited",
  );
}
