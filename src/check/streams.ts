// The partner and operator streams (VCO_STREAMS): one small query each, with the filter rules a
// fetch would send, so a stream the account may not read, or rules the VCO refuses, show up here.
import * as z from "zod";
import type { Config } from "../config.js";
import { ConfigError, RefusedError, VcoError } from "../errors.js";
import { serverRules } from "../filter/rules.js";
import type { VcoClient } from "../vco/client.js";
import { STREAM_METHOD, STREAM_READERS, type StreamName } from "../vco/streams.js";
import { STREAM_FOLDER } from "../sync/stream-target.js";
import { explainApiError } from "./explain.js";
import { combine, fail, pass, warn, type Outcome } from "./report.js";

const eventsReply = z.looseObject({ data: z.array(z.unknown()) });

export async function checkStreams(
  client: VcoClient,
  config: Config,
  host: string,
): Promise<Outcome> {
  const own = config.streams.filter(
    (s): s is Exclude<StreamName, "enterprise"> => s !== "enterprise",
  );
  if (own.length === 0) return pass("enterprise events only (VCO_STREAMS)");
  const end = client.vcoClock.now();
  const rules = serverRules(config.filter);
  const outcomes = await Promise.all(
    own.map(async (stream): Promise<Outcome> => {
      const method = STREAM_METHOD[stream];
      try {
        const reply = await client.call(
          method,
          {
            interval: { start: end - 3_600_000, end },
            filter: rules.length > 0 ? { limit: 1, rules } : { limit: 1 },
          },
          eventsReply,
        );
        const recent =
          reply.data.length > 0 ? "events in the last hour" : "no events in the last hour";
        return pass(`${stream} readable (${STREAM_FOLDER[stream]}/events.json); ${recent}`);
      } catch (err) {
        if (
          rules.length > 0 &&
          err instanceof VcoError &&
          err.code === -32602 &&
          /filter|rule/i.test(err.vcoMessage)
        ) {
          return warn(
            `${stream}: the orchestrator refuses the filter rules ("${err.vcoMessage}"); fetch filters every event here instead`,
            "nothing to do; the filters still apply, the orchestrator just sends every event",
          );
        }
        const answer =
          err instanceof VcoError
            ? `"${err.vcoMessage}"`
            : err instanceof RefusedError && err.status === 403
              ? "HTTP 403"
              : undefined;
        if (answer === undefined) return explainApiError(err, host);
        const e = new ConfigError(
          `the ${stream} stream cannot be read with this account: ${method} answered ${answer}`,
        );
        return fail(
          e,
          e.message,
          `remove ${stream} from VCO_STREAMS, or use ${STREAM_READERS[stream]}`,
        );
      }
    }),
  );
  return combine("", outcomes);
}
