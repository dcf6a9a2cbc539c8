import { EXIT } from "../exit-codes.js";
import type { Logger } from "../logger.js";
import { toSpawnSpec, type SelfCli } from "./command-line.js";
import type { CronEntry } from "./crontab.js";
import { startJob, type JobExit, type RunningJob } from "./job.js";
import type { Trigger, TriggerFactory } from "./trigger.js";

export interface SchedulerOptions {
  entries: CronEntry[];
  env: NodeJS.ProcessEnv;
  logger: Logger;
  trigger: TriggerFactory;
  self: SelfCli;
  /** Run every entry once right away, before its first tick. */
  runOnStart: boolean;
  now?: () => number;
}

export interface Scheduler {
  /** Stop scheduling, pass `signal` to running jobs, and resolve once they have all exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
  /** Jobs started so far, for tests and the log. */
  readonly started: number;
}

/** How long a stop waits for what a shell job started, after the shell itself has exited. */
const DRAIN_LIMIT_MS = 60_000;

export function startScheduler(o: SchedulerOptions): Scheduler {
  const now = o.now ?? Date.now;
  const running = new Map<CronEntry, RunningJob>();
  const triggers: Trigger[] = [];
  let stopping = false;
  let started = 0;

  const run = (entry: CronEntry, reason: "start" | "schedule") => {
    const log = o.logger.child({ job: entry.origin, command: entry.command });
    if (stopping) return;
    const busy = running.get(entry);
    if (busy) {
      // Runs never overlap: the next tick after this one picks up whatever this one missed.
      log.warn(
        { event: "tick-skipped", pid: busy.pid },
        "previous run still going; skipping this tick",
      );
      return;
    }
    const t0 = now();
    const job = startJob(toSpawnSpec(entry.command, o.self), o.env);
    started++;
    running.set(entry, job);
    log.info({ event: "job-started", pid: job.pid, trigger: reason }, "job started");
    void job.done.then((exit) => {
      running.delete(entry);
      logExit(log, exit, now() - t0, stopping);
      const next = triggers[o.entries.indexOf(entry)]?.nextRun();
      if (!stopping && next) log.debug({ event: "next-run", next: next.toISOString() }, "next run");
    });
  };

  for (const entry of o.entries) {
    triggers.push(o.trigger(entry.schedule, () => run(entry, "schedule")));
  }
  o.logger.info(
    {
      event: "scheduler-started",
      jobs: o.entries.map((e, i) => ({
        job: e.origin,
        schedule: e.schedule,
        command: e.command,
        next: triggers[i]?.nextRun()?.toISOString() ?? null,
      })),
      runOnStart: o.runOnStart,
    },
    "scheduler started",
  );
  if (o.runOnStart) for (const entry of o.entries) run(entry, "start");

  return {
    get started() {
      return started;
    },
    async stop(signal) {
      if (!stopping) {
        stopping = true;
        for (const t of triggers) t.stop();
      }
      const jobs = [...running.values()];
      if (jobs.length > 0) {
        o.logger.info(
          { event: "stopping", signal, pids: jobs.map((j) => j.pid) },
          "stopping: passing the signal on and waiting for the running job to reach a safe point",
        );
      }
      for (const job of jobs) job.kill(signal);
      await Promise.all(jobs.map((j) => j.drained(DRAIN_LIMIT_MS)));
    },
  };
}

function logExit(log: Logger, exit: JobExit, ms: number, stopping: boolean): void {
  const fields = { code: exit.code, signal: exit.signal, ms };
  if (exit.error) {
    log.error(
      { event: "job-not-started", ...fields, error: exit.error.message },
      "job could not be started",
    );
  } else if (exit.code === 0) {
    log.info({ event: "job-finished", ...fields }, "job finished");
  } else if (exit.code === EXIT.TEMPFAIL || stopping) {
    log.warn(
      { event: "job-stopped-early", ...fields },
      "job stopped early; the next run picks up from its cursor",
    );
  } else {
    log.error({ event: "job-failed", ...fields }, "job failed; see its own log lines above");
  }
}
