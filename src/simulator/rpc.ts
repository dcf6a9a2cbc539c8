import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fault } from "./faults.js";
import { RpcFailure } from "./methods.js";

export interface RequestLogEntry {
  method: string;
  status: number;
  fault?: Fault | undefined;
  auth?: string | undefined;
  /** When the reply (or the injected fault) went out, epoch ms by the wall clock. */
  at: number;
}

/** An API call as the request carried it, whichever of the two envelopes it came in. */
export interface RpcCall {
  method: string;
  params: Record<string, unknown>;
  /** The JSON-RPC id (null when the envelope had none); undefined for REST-like calls. */
  rpcId: unknown;
}

/** A request refused before dispatch, answered with `id` and logged under `method`. */
export interface RpcRejection {
  failure: RpcFailure;
  id: unknown;
  method: string;
}

/** Reads a call, checking in the VCO's order: JSON, Content-Type, envelope, params. */
export async function readCall(
  req: IncomingMessage,
  restMethod: string | undefined,
): Promise<RpcCall | RpcRejection> {
  const text = await readBody(req);
  let body: unknown;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    return { failure: new RpcFailure(-32700, "Parse error"), id: undefined, method: "?" };
  }
  if (!/application\/json/i.test(req.headers["content-type"] ?? "")) {
    const failure = new RpcFailure(-32600, "Content-Type must be application/json");
    return { failure, id: undefined, method: "?" };
  }
  let call: RpcCall;
  if (restMethod !== undefined) {
    call = {
      method: restMethod,
      params: (body ?? {}) as Record<string, unknown>,
      rpcId: undefined,
    };
  } else {
    const b = body as Record<string, unknown>;
    if (b?.jsonrpc !== "2.0" || typeof b.method !== "string")
      return { failure: new RpcFailure(-32600, "Invalid Request"), id: b?.id, method: "?" };
    const params = (b.params ?? {}) as Record<string, unknown>;
    call = { method: b.method, params, rpcId: b.id ?? null };
  }
  const { params } = call;
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    const failure = new RpcFailure(-32602, "Invalid params: params must be an object");
    return { failure, id: call.rpcId, method: call.method };
  }
  return call;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Writes every reply the simulator sends, and logs it, with the VCO's clock in its Date header. */
export class Replies {
  constructor(
    private readonly log: RequestLogEntry[],
    private readonly now: () => number,
  ) {}

  /** Logs a request answered without a whole reply (reset, hang, ...), by the wall clock. */
  record(method: string, status: number, fault?: Fault): void {
    this.log.push({ method, status, fault, at: Date.now() });
  }

  /** A method's result, inside a JSON-RPC envelope when the call came in one; a Buffer is JSON already. */
  result(res: ServerResponse, call: RpcCall, rpc: boolean, result: unknown): void {
    const json = Buffer.isBuffer(result) ? result : Buffer.from(JSON.stringify(result));
    const out = rpc
      ? Buffer.concat([
          Buffer.from(`{"jsonrpc":"2.0","id":${JSON.stringify(call.rpcId)},"result":`),
          json,
          Buffer.from("}"),
        ])
      : json;
    this.send(res, 200, "application/json", out, call.method);
  }

  rpcError(res: ServerResponse, id: unknown, f: RpcFailure, method: string, rpc = false): void {
    const error = { code: f.code, message: f.message };
    this.sendJson(
      res,
      f.status,
      rpc
        ? { jsonrpc: "2.0", id: id ?? null, error }
        : { error, id: id ?? Date.now(), jsonrpc: "2.0" },
      method,
    );
  }

  sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    method: string,
    fault?: Fault,
  ): void {
    this.send(res, status, "application/json", JSON.stringify(body), method, fault);
  }

  send(
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    method: string,
    fault?: Fault,
  ): void {
    this.record(method, status, fault);
    res.writeHead(status, {
      "Content-Type": type,
      "Content-Length": Buffer.byteLength(body),
      // What Node would send, but from the VCO's clock, which need not be ours.
      Date: new Date(this.now()).toUTCString(),
    });
    res.end(body);
  }
}
