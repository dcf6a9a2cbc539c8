// Which proxy, if any, a URL goes through: VCO_PROXY first, then the variables curl and most CLIs
// read. A pure function of the URL and the environment, so every rule is tested without a network.
import { isLoopback } from "./loopback.js";

export interface ProxyTarget {
  /** host:port to open the TCP connection to. */
  host: string;
  port: number;
  /** Percent-decoded Basic credentials from the proxy URL, if any. Secret: never logged. */
  username?: string;
  password?: string;
  /** The proxy as it may be shown in a log line or an error: scheme, host and port, no credentials. */
  display: string;
  /** Which setting named it, for messages ("HTTPS_PROXY", "VCO_PROXY"). */
  source: string;
}

/** VCO_PROXY values that mean "connect directly, whatever HTTPS_PROXY says". */
const OFF = new Set(["none", "off", "direct", "false", "0"]);

export class ProxySettingError extends Error {
  override name = "ProxySettingError";
}

/**
 * The proxy for `url`, or undefined for a direct connection.
 * - VCO_PROXY wins over everything, NO_PROXY included; `VCO_PROXY=none` turns proxies off.
 * - https URLs use HTTPS_PROXY (https_proxy), then HTTP_PROXY (http_proxy) as npm and apt do;
 *   http URLs use HTTP_PROXY. The lowercase name wins over the uppercase one, as in curl.
 * - NO_PROXY (no_proxy): `*`, host names, domain suffixes (`example.com` and `.example.com` both
 *   match `vco.example.com`), IP addresses, each optionally with `:port`.
 * - Loopback is always reached directly (as Go's net/http does): the simulator, a local forwarder.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): ProxyTarget | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (isLoopback(host)) return undefined;
  const explicit = env.VCO_PROXY?.trim();
  if (explicit) {
    if (OFF.has(explicit.toLowerCase())) return undefined;
    return parseProxyUrl(explicit, "VCO_PROXY");
  }
  const pick = (name: string) => {
    const lower = env[name.toLowerCase()]?.trim();
    if (lower) return { value: lower, source: name.toLowerCase() };
    const upper = env[name]?.trim();
    return upper ? { value: upper, source: name } : undefined;
  };
  const chosen =
    url.protocol === "https:"
      ? (pick("HTTPS_PROXY") ?? pick("HTTP_PROXY"))
      : url.protocol === "http:"
        ? pick("HTTP_PROXY")
        : undefined;
  if (!chosen) return undefined;
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const noProxy = (env.no_proxy ?? env.NO_PROXY ?? "").trim();
  if (noProxy && bypassed(host, port, noProxy)) return undefined;
  return parseProxyUrl(chosen.value, chosen.source);
}

/** Whether NO_PROXY's list names this host (and port). */
export function bypassed(host: string, port: number, list: string): boolean {
  for (const raw of list.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    const { name, port: only } = splitEntry(entry);
    if (only !== undefined && only !== port) continue;
    const suffix = name.replace(/^\*?\./, "");
    if (host === suffix || host.endsWith(`.${suffix}`)) return true;
  }
  return false;
}

/** "example.com:8443", "[::1]:443", "2001:db8::1" (bare IPv6 has no port), ".example.com". */
function splitEntry(entry: string): { name: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1]!, ...portOf(bracketed[2]) };
  const colons = entry.split(":").length - 1;
  if (colons !== 1) return { name: entry };
  const [name, p] = entry.split(":") as [string, string];
  return { name, ...portOf(p) };
}

const portOf = (p: string | undefined) => (p && /^\d+$/.test(p) ? { port: Number(p) } : {});

/** `http://user:p%40ss@proxy:3128`, or `proxy:3128` (http assumed, as curl does). */
export function parseProxyUrl(text: string, source: string): ProxyTarget {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    // The value may hold a password: say where it came from, never what it is.
    throw new ProxySettingError(
      `${source} is not a proxy URL; use http://host:port or http://user:password@host:port`,
    );
  }
  if (u.protocol !== "http:") {
    throw new ProxySettingError(
      `${source} uses ${u.protocol}// but only http:// proxies are supported (the tunnel to the VCO ` +
        "is TLS end to end either way); use http://host:port",
    );
  }
  if (!u.hostname) throw new ProxySettingError(`${source} has no host; use http://host:port`);
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const port = Number(u.port || 80);
  const display = `http://${u.host}`;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port,
    ...(u.username || u.password
      ? { username: decode(u.username), password: decode(u.password) }
      : {}),
    display,
    source,
  };
}
