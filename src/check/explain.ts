// A typed error from the VCO client as a check line: what was found, and apart from it what to do.
// The client's messages are written for a log, where the fix trails the finding; a check line
// shows the two separately, so the known message forms are split here rather than reworded.
import {
  AuthError,
  describeError,
  GaveUpError,
  HttpError,
  ProxyError,
  ResponseShapeError,
  StoppedError,
  VcoError,
  VcoEventsError,
} from "../errors.js";
import { fail, type Outcome } from "./report.js";

const CREDENTIAL_FIX =
  "check VCO_TOKEN (or VCO_USERNAME, VCO_PASSWORD and VCO_LOGIN_TYPE) and that the account may read enterprise events";

/**
 * "what happened: what to do", split at the first ": " outside parentheses; or "What happened: why.
 * Check this" (the login refusal's form), split at the sentence break.
 */
function splitAtFix(message: string): { detail: string; fix?: string } {
  const sentences = /^(.*?)\. ((?:Check|Set|Use|Create) .*)$/.exec(message);
  if (sentences) {
    const fix = sentences[2]!;
    return { detail: sentences[1]!, fix: fix[0]!.toLowerCase() + fix.slice(1) };
  }
  let depth = 0;
  for (let i = 0; i < message.length - 1; i++) {
    const c = message[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === ":" && message[i + 1] === " " && depth === 0) {
      return { detail: message.slice(0, i), fix: message.slice(i + 2) };
    }
  }
  return { detail: message };
}

/** A failure of the API steps (credential, enterprises, events) as a FAIL outcome. */
export function explainApiError(err: unknown, host: string): Outcome {
  if (err instanceof StoppedError) {
    // Only the check's own deadline stops the client: report it as the time-out it is.
    const late = new GaveUpError(`no complete answer from ${host} within the check's time limit`);
    return fail(
      late,
      late.message,
      "the orchestrator (or a proxy in front of it) is very slow; try again, and check its health",
    );
  }
  if (err instanceof HttpError && err.status === 404) {
    return fail(
      err,
      `${host} is not a VeloCloud Orchestrator: it answered HTTP 404 on /portal/rest/`,
      "check VCO_HOSTNAME: it must be the orchestrator's portal host, the one you log in to",
    );
  }
  if (err instanceof AuthError) {
    const { detail, fix } = splitAtFix(err.message);
    return fail(err, detail, fix ?? CREDENTIAL_FIX);
  }
  if (err instanceof ProxyError) return explainProxyError(err);
  if (err instanceof GaveUpError) {
    return fail(
      err,
      err.message.split("; everything fetched")[0]!,
      "check that the orchestrator is up and reachable from here, then run check again",
    );
  }
  if (err instanceof ResponseShapeError) {
    return fail(
      err,
      err.message.split(". Nothing was written")[0]!,
      "check that VCO_HOSTNAME points at a VeloCloud Orchestrator; report this if it does",
    );
  }
  if (err instanceof VcoError) return fail(err, err.message, CREDENTIAL_FIX);
  if (err instanceof VcoEventsError) {
    const { detail, fix } = splitAtFix(err.message);
    return fail(err, detail, fix ?? "see the message");
  }
  // Not a typed error: a bug. It still gets a line; the exit code (1) says what it is.
  return fail(err, describeError(err), "this is a bug in vco-events: please report it");
}

/** A proxy's refusal names the proxy, its answer and the fix; a dead proxy names only itself. */
export function explainProxyError(err: ProxyError): Outcome {
  if (err.status === undefined) {
    return fail(
      err,
      err.message,
      "check the proxy URL (VCO_PROXY or HTTPS_PROXY) and that it runs",
    );
  }
  const { detail, fix } = splitAtFix(err.message);
  return fail(
    err,
    detail,
    // The client retries a 502/503 and says so; check does not retry.
    fix?.replace(/; retried$/, "") ??
      "ask the proxy's administrators why it refuses the tunnel to the orchestrator",
  );
}
