import type { AxiosResponse } from "axios";
import type { Credentials } from "../config.js";
import { AuthError } from "../errors.js";

type PasswordCredentials = Extract<Credentials, { kind: "password" }>;

/** The login method and body for a password credential. */
export function loginRequest(creds: PasswordCredentials): {
  method: string;
  params: { username: string; password: string };
} {
  return {
    method: creds.loginType === "operator" ? "login/operatorLogin" : "login/enterpriseLogin",
    params: { username: creds.username, password: creds.password },
  };
}

/**
 * A login reply: the session id, or undefined when the status is for the caller to classify (429,
 * 5xx). Success is a non-empty velocloud.session cookie, on 200 or 302 alike; a refusal is a 302 (or
 * any other status) without one, with the reason in the velocloud.message cookie.
 */
export function sessionFromLogin(
  res: AxiosResponse<unknown>,
  creds: PasswordCredentials,
  classifiable: (status: number) => boolean,
): string | undefined {
  const cookies = readCookies(res.headers["set-cookie"]);
  const session = cookies.get("velocloud.session");
  if (session && (res.status === 200 || res.status === 302)) return session;
  if (classifiable(res.status)) return undefined;
  const reason = cookies.get("velocloud.message") ?? `HTTP ${res.status} without a session cookie`;
  throw new AuthError(
    `login as ${creds.username} failed: ${reason}. Check VCO_USERNAME and VCO_PASSWORD` +
      (creds.loginType === "enterprise" ? " (operator accounts need VCO_LOGIN_TYPE=operator)" : ""),
  );
}

function readCookies(header: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const lines = Array.isArray(header) ? header : typeof header === "string" ? [header] : [];
  for (const line of lines) {
    const first = String(line).split(";")[0] ?? "";
    const eq = first.indexOf("=");
    if (eq <= 0) continue;
    const value = first.slice(eq + 1).trim();
    let decoded = value;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      /* keep it as sent */
    }
    if (decoded) out.set(first.slice(0, eq).trim(), decoded);
  }
  return out;
}
