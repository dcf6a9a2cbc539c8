import { fileURLToPath } from "node:url";
import { createLogger, type Logger } from "../logger.js";
import { startScheduler } from "../scheduler/scheduler.js";
import { loadSettings } from "../scheduler/settings.js";
import { cronTrigger, type TriggerFactory } from "../scheduler/trigger.js";

export interface ScheduleOptions {
  env: NodeJS.ProcessEnv;
  crontab?: string | undefined;
  runOnStart?: boolean | undefined;
  cwd?: string;
  logger?: Logger;
  trigger?: TriggerFactory;
  /** Where SIGTERM/SIGINT arrive; tests pass their own emitter. */
  signals?: NodeJS.EventEmitter;
}

const STOP_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * The container's main process: run the crontab's jobs on time, never two runs of a job at once.
 * On SIGTERM or SIGINT it stops scheduling, passes the signal to a running job (which stops at
 * its next commit point) and returns once that job has exited. A second signal is passed on too.
 */
export async function scheduleCommand(opts: ScheduleOptions): Promise<void> {
  const settings = await loadSettings({
    env: opts.env,
    cwd: opts.cwd ?? process.cwd(),
    crontab: opts.crontab,
    runOnStart: opts.runOnStart,
  });
  const logger = opts.logger ?? createLogger(settings.logLevel);
  const signals = opts.signals ?? process;
  const scheduler = startScheduler({
    entries: settings.entries,
    env: opts.env,
    logger,
    trigger: opts.trigger ?? cronTrigger(),
    self: {
      execPath: process.execPath,
      // The entry point this process runs (dist/bin/cli.js, or tsc's dist/src/cli.js).
      cliPath: process.argv[1] ?? fileURLToPath(new URL("../cli.js", import.meta.url)),
    },
    runOnStart: settings.runOnStart,
  });

  // As PID 1 in a container a signal without a handler is ignored, so these handlers are what
  // makes `docker stop` work at all (not just cleanly).
  let received = 0;
  let onFirst: (s: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => (onFirst = resolve));
  const onSignal = (s: NodeJS.Signals) => {
    // A second signal goes straight to the job: `fetch` then exits at once, which is still safe.
    if (++received === 1) onFirst(s);
    else void scheduler.stop(s);
  };
  for (const s of STOP_SIGNALS) signals.on(s, onSignal);
  const signal = await stopped;
  logger.info({ event: "stop-requested", signal }, "stop requested; no new runs will start");
  try {
    await scheduler.stop(signal);
  } finally {
    for (const s of STOP_SIGNALS) signals.off(s, onSignal);
  }
  logger.info({ event: "scheduler-stopped", jobsRun: scheduler.started }, "scheduler stopped");
}
