/** A JSON-RPC error with the HTTP status the simulator sends it with. */
export class RpcFailure {
  constructor(
    readonly code: number,
    readonly message: string,
    readonly status = 400,
  ) {}
}

export const invalid = (message: string) => new RpcFailure(-32602, `Invalid params: ${message}`);
export const denied = (what: string) => new RpcFailure(-32603, `Privileges check failed: ${what}`);
/**
 * The stream methods' refusal of a principal without the privilege: HTTP 403, the swagger's
 * "Insufficient Permissions" (its `forbidden` response), with the JSON-RPC error as the body. The
 * harsher of the two answers the spec allows: a client must not take it for a bad credential.
 */
export const forbidden = (what: string) =>
  new RpcFailure(-32603, `Insufficient Permissions: ${what}`, 403);
