import type { Sink } from "../targets.js";
import { syslogSettingsFrom } from "./settings.js";
import { SyslogTarget } from "./target.js";

/** The syslog sink VCO_SYSLOG configures, or undefined. */
export function syslogSink(env: NodeJS.ProcessEnv): Sink | undefined {
  const s = syslogSettingsFrom(env);
  if (!s) return undefined;
  return {
    name: s.name,
    warnings: s.plainRemote
      ? [
          {
            event: "syslog-plain-tcp",
            message: `VCO_SYSLOG sends events in clear over plain TCP to ${s.host}: use tls:// unless the network between is trusted`,
          },
        ]
      : [],
    open: () => new SyslogTarget(s),
  };
}
