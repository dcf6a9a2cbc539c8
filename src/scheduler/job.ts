import { spawn } from "node:child_process";
import fs from "node:fs";
import type { SpawnSpec } from "./command-line.js";

export interface JobExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  error?: Error;
}

export interface RunningJob {
  pid: number | undefined;
  /** The job's own process exited. */
  done: Promise<JobExit>;
  /** Signal the job's whole process group, so a shell's children hear it too. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves once the job and everything it started have exited (or after `limitMs`). */
  drained(limitMs: number): Promise<void>;
}

/**
 * Start one run of a job with the given environment; its stdout and stderr are the scheduler's
 * own, which in a container is what `docker logs` shows.
 */
export function startJob(spec: SpawnSpec, env: NodeJS.ProcessEnv): RunningJob {
  // detached: its own process group, so a Ctrl-C in a terminal reaches only the scheduler, which
  // forwards exactly one signal (a second one makes `fetch` stop at once instead of at a commit).
  const child = spawn(spec.file, spec.args, { env, stdio: "inherit", detached: true });
  const done = new Promise<JobExit>((resolve) => {
    child.once("error", (error) => resolve({ code: null, signal: null, error }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return {
    pid: child.pid,
    done,
    kill(signal) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    },
    async drained(limitMs) {
      await done;
      const end = Date.now() + limitMs;
      // A shell may exit on SIGTERM before the program it started has finished tidying up.
      while (child.pid !== undefined && liveMembers(child.pid) > 0 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Processes of a group that are still running; zombies (left to PID 1 to reap) do not count. */
function liveMembers(pgid: number): number {
  let pids: string[];
  try {
    pids = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  let live = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z" && Number(pgrp) === pgid) live++;
    } catch {
      /* exited while we looked */
    }
  }
  return live;
}
