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
