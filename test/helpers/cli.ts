import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The bundled bin that `npx vco-events` runs, not the tsc output. */
export const CLI = fileURLToPath(new URL("../../bin/cli.js", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for a spawned CLI: only what the test gives, plus PATH and HOME. */
export function cliEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: "info",
  };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export function startCli(
  args: string[],
  env: Record<string, string | undefined>,
  cwd?: string,
): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    env: cliEnv(env),
    cwd: cwd ?? process.cwd(),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Run the built CLI as a process, as cron or a person would. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
  cwd?: string,
): Promise<CliResult> {
  const child = startCli(args, env, cwd);
  return collect(child);
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** pino JSON lines from stdout; a last line still being written is left out. */
export function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .slice(0, stdout.lastIndexOf("\n") + 1)
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
