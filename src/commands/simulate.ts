import { formatDuration } from "../time.js";
import { demoSimulator, DEMO_TOKEN, DEMO_USER } from "../simulator/demo-world.js";

export interface SimulateOptions {
  host: string;
  port: number;
  backlog: number;
  ratePerMinute: number;
  legacyPaging: boolean;
  logicalIds: boolean;
  /** The simulated VCO's clock minus the real one, in ms (negative: behind). */
  clockOffsetMs?: number;
  /** Each API call's answering time, in ms. */
  latencyMs?: number;
  out?: (text: string) => void;
}

/** Serve a simulated VCO until interrupted, adding new events as time goes by. */
export async function simulateCommand(o: SimulateOptions): Promise<void> {
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  const sim = demoSimulator(o.backlog, {
    legacyPaging: o.legacyPaging,
    shape: o.logicalIds ? "6.2" : "classic",
    clockOffsetMs: o.clockOffsetMs ?? 0,
    latencyMs: o.latencyMs ?? 0,
  });
  const url = await sim.start(o.port, o.host);
  out(
    [
      `VCO simulator listening on ${url} (${o.legacyPaging ? "legacy paging" : "nextPageLink paging"}, ${o.logicalIds ? "6.2 event shape" : "classic event shape"})`,
      "Point vco-events at it with:",
      `  VCO_HOSTNAME=${url} VCO_TOKEN=${DEMO_TOKEN} npx vco-events fetch`,
      `  (or VCO_USERNAME=${DEMO_USER.username} VCO_PASSWORD=${DEMO_USER.password}; partner token: demo-partner-token; operator token: demo-operator-token)`,
      ...(o.clockOffsetMs
        ? [
            `Its clock is ${formatDuration(Math.abs(o.clockOffsetMs))} ${o.clockOffsetMs < 0 ? "behind" : "ahead of"} this machine's.`,
          ]
        : []),
      `New events arrive at about ${o.ratePerMinute} per minute. Stop with Ctrl-C.`,
      "",
    ].join("\n"),
  );
  const perTick = o.ratePerMinute / 60;
  let owed = 0;
  const timer = setInterval(() => {
    owed += perTick;
    for (; owed >= 1; owed--) {
      for (const e of sim.enterprises.values()) {
        // One in ten events is published late, as a real VCO can do for several minutes.
        const now = sim.now();
        const late = Math.random() < 0.1;
        e.store.add(late ? now - 120_000 : now, late ? { visibleAt: now + 60_000 } : {});
      }
    }
  }, 1_000);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  clearInterval(timer);
  await sim.stop();
}
