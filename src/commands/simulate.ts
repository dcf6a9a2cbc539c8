import os from "node:os";
import { ConfigError } from "../errors.js";
import { formatDuration } from "../time.js";
import { demoEventCount, demoSimulator, DEMO_TOKEN, DEMO_USER } from "../simulator/demo-world.js";
import { BYTES_PER_EVENT } from "../simulator/event-store.js";

/** The largest backlog taken: 150,000,000 events in all, about 1.8 GB (1.75 GiB RSS measured). */
export const MAX_BACKLOG = 100_000_000;

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
  /** Event queries also take this long per event returned, in ms. */
  latencyPerEventMs?: number;
  /** The memory the events may take at most half of (default: the machine's, or its cgroup's). */
  memoryBytes?: number;
  out?: (text: string) => void;
}

/**
 * Refuses, up front and in one line, a backlog the simulator would not hold: more than
 * MAX_BACKLOG, or more than half the memory there is for its events' columns.
 */
export function checkBacklog(backlog: number, memoryBytes = machineMemory()): void {
  if (backlog > MAX_BACKLOG)
    throw new ConfigError(
      `--backlog ${backlog} is more than the simulator holds: use at most ${MAX_BACKLOG}`,
    );
  // The columns, and a quarter more for one growing while its old copy is still there.
  const need = demoEventCount(backlog) * BYTES_PER_EVENT * 1.25;
  if (need > memoryBytes / 2) {
    const events = memoryBytes / 2 / (BYTES_PER_EVENT * 1.25);
    const most = Math.min(MAX_BACKLOG, Math.floor(events / demoEventCount(1000)) * 1000);
    throw new ConfigError(
      `--backlog ${backlog} needs about ${gib(need)} GiB for its events, more than half of the ` +
        `${gib(memoryBytes)} GiB this machine has: use at most ${most}`,
    );
  }
}

function machineMemory(): number {
  const cgroup = (
    process as { constrainedMemory?: () => number | undefined }
  ).constrainedMemory?.();
  return Math.min(os.totalmem(), cgroup || Infinity);
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);

/** Serve a simulated VCO until interrupted, adding new events as time goes by. */
export async function simulateCommand(o: SimulateOptions): Promise<void> {
  const out = o.out ?? ((t: string) => process.stdout.write(t));
  checkBacklog(o.backlog, o.memoryBytes);
  const sim = demoSimulator(o.backlog, {
    legacyPaging: o.legacyPaging,
    shape: o.logicalIds ? "6.2" : "classic",
    clockOffsetMs: o.clockOffsetMs ?? 0,
    latencyMs: o.latencyMs ?? 0,
    latencyPerEventMs: o.latencyPerEventMs ?? 0,
  });
  const url = await sim.start(o.port, o.host);
  out(
    [
      `VCO simulator listening on ${url} (${o.legacyPaging ? "legacy paging" : "nextPageLink paging"}, ${o.logicalIds ? "6.2 event shape" : "classic event shape"})`,
      "Point vco-events at it with:",
      `  VCO_HOSTNAME=${url} VCO_TOKEN=${DEMO_TOKEN} npx vco-events fetch`,
      `  (or VCO_USERNAME=${DEMO_USER.username} VCO_PASSWORD=${DEMO_USER.password}; partner token: demo-partner-token; operator token: demo-operator-token)`,
      "  The partner's and the operator's own events: add VCO_STREAMS=enterprise,partner or enterprise,operator with their token.",
      ...(o.clockOffsetMs
        ? [
            `Its clock is ${formatDuration(Math.abs(o.clockOffsetMs))} ${o.clockOffsetMs < 0 ? "behind" : "ahead of"} this machine's.`,
          ]
        : []),
      ...(o.latencyMs || o.latencyPerEventMs
        ? [
            `Each API call takes ${o.latencyMs ?? 0} ms to answer` +
              (o.latencyPerEventMs
                ? `, an event query ${o.latencyPerEventMs} ms more per event it returns.`
                : "."),
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
      const stores = [
        ...[...sim.enterprises.values()].map((e) => e.store),
        ...sim.partnerStores.values(),
        sim.operatorStore,
      ];
      for (const store of stores) {
        // One in ten events is published late, as a real VCO can do for several minutes.
        const now = sim.now();
        const late = Math.random() < 0.1;
        store.add(late ? now - 120_000 : now, late ? { visibleAt: now + 60_000 } : {});
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
