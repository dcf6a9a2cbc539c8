import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

// Defence in depth: the client never hands headers, cookies or axios errors to the logger, but if
// a future change does, these paths are censored at every level.
const REDACT = [
  "token",
  "password",
  "cookie",
  "authorization",
  "*.token",
  "*.password",
  "*.cookie",
  "*.authorization",
  "*.Authorization",
  "*.headers",
  "*.config",
  "*.request",
  "err.config",
  "err.request",
  "err.response",
  "headers",
  "config",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: "[redacted]" },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
