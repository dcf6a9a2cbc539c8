/** How to start a crontab command: a program and its arguments, with or without a shell. */
export interface SpawnSpec {
  file: string;
  args: string[];
}

/** This installation of the CLI, so `vco-events ...` lines run the same version as the scheduler. */
export interface SelfCli {
  execPath: string;
  cliPath: string;
}

// Anything a shell would interpret: pipes, redirections, quotes, variables, globs, `VAR=x cmd`.
const SHELL_SYNTAX = /[|&;<>()$`\\"'*?~#{}[\]!]|^\s*[A-Za-z_]\w*=/;

/**
 * A plain command ("vco-events fetch --since 2h") is started directly, so the scheduler's signal
 * reaches the job itself and not a shell in between; anything else goes through /bin/sh -c.
 */
export function toSpawnSpec(command: string, self: SelfCli): SpawnSpec {
  if (SHELL_SYNTAX.test(command)) return { file: "/bin/sh", args: ["-c", command] };
  const [program = "", ...args] = command.trim().split(/\s+/);
  if (program === "vco-events") return { file: self.execPath, args: [self.cliPath, ...args] };
  return { file: program, args };
}
