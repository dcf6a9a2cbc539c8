/**
 * Whether a host name (as URL.hostname gives it, IPv6 in brackets or not) is this machine's
 * loopback: the only place plain http:// or tcp:// is allowed, and always reached directly.
 */
export function isLoopback(host: string): boolean {
  return /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);
}
