import type { Clock } from "../../src/time.js";

/** A clock whose sleeps return at once and move time forward: retry schedules run in microseconds. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = Date.parse("2024-05-01T12:00:00Z")) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    await Promise.resolve();
  }
}
