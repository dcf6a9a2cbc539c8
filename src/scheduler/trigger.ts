import { Cron } from "croner";

/** Something that calls `onTick` on a schedule until stopped: croner in production, a test's hand. */
export interface Trigger {
  stop(): void;
  nextRun(): Date | null;
}

export type TriggerFactory = (schedule: string, onTick: () => void) => Trigger;

/** Wall-clock ticks in the process's time zone (TZ), or `timezone` when given. */
export function cronTrigger(timezone?: string): TriggerFactory {
  return (schedule, onTick) => {
    const cron = new Cron(
      schedule,
      { mode: "5-or-6-parts", ...(timezone ? { timezone } : {}) },
      () => onTick(),
    );
    return { stop: () => cron.stop(), nextRun: () => cron.nextRun() };
  };
}
