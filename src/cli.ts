#!/usr/bin/env node
// Wiring only: each command lives in commands/<name>.ts and is loaded when it is used, so a cron
// run of `fetch` never pays for the simulator, and `status` never loads the HTTP stack.
import module from "node:module";
import { Command, Option } from "commander";
import { config as loadDotenv } from "dotenv";
import { readFileSync } from "node:fs";

// Node 22+ keeps compiled code between runs (the container runs Node 24); Node 20 has no such cache.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

async function run(name: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const { exitCodeFor, isUserError } = await import("./exit-codes.js");
    const { describeError } = await import("./errors.js");
    process.exitCode = exitCodeFor(err);
    const text = isUserError(err) ? describeError(err) : ((err as Error)?.stack ?? String(err));
    process.stderr.write(`vco-events ${name}: ${text}\n`);
  }
}

/**
 * SIGTERM (docker stop, the scheduler) or Ctrl-C: stop at the next safe point. Appends and commits
 * are never cut short by this; a second signal exits at once, which is still safe (docs/testing.md, crash safety).
 */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      void import("./exit-codes.js").then(({ exitCodeForSignal }) =>
        process.exit(exitCodeForSignal(sig)),
      );
      return;
    }
    process.stderr.write(`vco-events: ${sig} received; stopping at the next safe point\n`);
    controller.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return controller.signal;
}

const program = new Command("vco-events")
  .description(
    "Pull VeloCloud Orchestrator enterprise events into NDJSON files, every event exactly once",
  )
  .version(pkg.version)
  .showHelpAfterError();

program
  .command("fetch")
  .description(
    "fetch every event since the stored cursor and append it to <dataDir>/<enterprise>/events.json",
  )
  .option(
    "--since <time>",
    "where to start for an enterprise with no cursor yet: ISO 8601 or a lookback like 2h, 7d (default: VCO_LOOKBACK, 24h)",
  )
  .option("--data-dir <dir>", "root of the output tree (default: VCO_DATA_DIR, ./data)")
  .option("--config <file>", "a YAML file naming several orchestrators (default: VCO_CONFIG)")
  .action((o: { since?: string; dataDir?: string; config?: string }) =>
    run("fetch", async () => {
      const { fetchCommand } = await import("./commands/fetch.js");
      await fetchCommand({
        env: process.env,
        since: o.since,
        dataDir: o.dataDir,
        configFile: o.config,
        signal: stopSignal(),
        // A live progress line only for a person watching; never in a log file or a pipe.
        progressOutput: process.stderr.isTTY ? process.stderr : undefined,
      });
    }),
  );

program
  .command("forward")
  .description(
    "send what fetch wrote to the configured SIEM sinks (VCO_SYSLOG, ...), from each sink's cursor to the end",
  )
  .option("--data-dir <dir>", "root of the output tree (default: VCO_DATA_DIR, ./data)")
  .option("--config <file>", "a YAML file naming several orchestrators (default: VCO_CONFIG)")
  .action((o: { dataDir?: string; config?: string }) =>
    run("forward", async () => {
      const { forwardCommand } = await import("./commands/forward.js");
      await forwardCommand({
        env: process.env,
        dataDir: o.dataDir,
        configFile: o.config,
        signal: stopSignal(),
      });
    }),
  );

program
  .command("status")
  .description("show each enterprise's cursor, last success and last error")
  .option("--json", "machine-readable output")
  .option(
    "--max-age <duration>",
    "exit 75 when an enterprise has not succeeded for this long (e.g. 45m)",
  )
  .option("--data-dir <dir>", "root of the output tree (default: VCO_DATA_DIR, ./data)")
  .option("--config <file>", "a YAML file naming several orchestrators (default: VCO_CONFIG)")
  .action((o: { json?: boolean; maxAge?: string; dataDir?: string; config?: string }) =>
    run("status", async () => {
      const { statusCommand } = await import("./commands/status.js");
      await statusCommand({
        env: process.env,
        dataDir: o.dataDir,
        configFile: o.config,
        json: o.json ?? false,
        maxAge: o.maxAge,
      });
    }),
  );

program
  .command("check")
  .description(
    "check the setup step by step (config, network, TLS, credential, enterprises, events, clock, data dir) and say what to fix",
  )
  .option("--json", "machine-readable output")
  .option("--data-dir <dir>", "root of the output tree (default: VCO_DATA_DIR, ./data)")
  .option("--config <file>", "a YAML file naming several orchestrators (default: VCO_CONFIG)")
  .action((o: { json?: boolean; dataDir?: string; config?: string }) =>
    run("check", async () => {
      const { checkCommand } = await import("./commands/check.js");
      await checkCommand({
        env: process.env,
        dataDir: o.dataDir,
        configFile: o.config,
        json: o.json ?? false,
      });
    }),
  );

program
  .command("simulate")
  .description(
    "run a VCO simulator on loopback that serves realistic events (to test a SIEM pipeline without a VCO)",
  )
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--port <port>", "port to listen on", "8585")
  .option(
    "--backlog <count>",
    "events already there, spread over the last 24 hours; at most 100000000",
    "5000",
  )
  .option("--rate <perMinute>", "new events per minute while it runs", "30")
  .addOption(
    new Option("--paging <mode>", "how pages are linked")
      .choices(["link", "legacy"])
      .default("link"),
  )
  .addOption(
    new Option("--shape <shape>", "event shape").choices(["classic", "6.2"]).default("classic"),
  )
  .option(
    "--latency <ms>",
    "how long each API call takes to answer, as a real VCO's hundreds of ms",
    "0",
  )
  .option(
    "--latency-per-event <ms>",
    "how much longer an event query takes per event it returns, e.g. 0.05 (+102 ms for 2048)",
    "0",
  )
  .option(
    "--clock-offset <duration>",
    "run the simulated VCO's clock this far from this machine's, e.g. -40m or 6h",
    "0s",
  )
  .action(
    (o: {
      host: string;
      port: string;
      backlog: string;
      rate: string;
      paging: string;
      shape: string;
      clockOffset: string;
      latency: string;
      latencyPerEvent: string;
    }) =>
      run("simulate", async () => {
        const { simulateCommand } = await import("./commands/simulate.js");
        const { parseSignedDuration } = await import("./time.js");
        const { ConfigError } = await import("./errors.js");
        const clockOffsetMs = parseSignedDuration(o.clockOffset);
        if (clockOffsetMs === undefined)
          throw new ConfigError(
            `--clock-offset "${o.clockOffset}" is not a duration: use e.g. -40m or 6h`,
          );
        const latencyMs = Number(o.latency);
        if (!Number.isInteger(latencyMs) || latencyMs < 0)
          throw new ConfigError(`--latency "${o.latency}" is not a whole number of milliseconds`);
        const latencyPerEventMs = Number(o.latencyPerEvent);
        if (!Number.isFinite(latencyPerEventMs) || latencyPerEventMs < 0)
          throw new ConfigError(
            `--latency-per-event "${o.latencyPerEvent}" is not a number of milliseconds, e.g. 0.05`,
          );
        const backlog = Number(o.backlog);
        if (!Number.isSafeInteger(backlog) || backlog < 0)
          throw new ConfigError(`--backlog "${o.backlog}" is not a whole number of events`);
        await simulateCommand({
          clockOffsetMs,
          latencyMs,
          latencyPerEventMs,
          backlog,
          host: o.host,
          port: Number(o.port),
          ratePerMinute: Number(o.rate),
          legacyPaging: o.paging === "legacy",
          logicalIds: o.shape === "6.2",
        });
      }),
  );

program
  .command("demo")
  .description(
    "see it work without a VCO: start the simulator, run one fetch into a local folder, show the result",
  )
  .option("--data-dir <dir>", "where the demo writes", "./vco-events-demo")
  .action((o: { dataDir: string }) =>
    run("demo", async () => {
      const { demoCommand } = await import("./commands/demo.js");
      await demoCommand({ dataDir: o.dataDir });
    }),
  );

program
  .command("schedule")
  .description(
    "run the jobs of a crontab file on their schedule, one run at a time (the container's main process)",
  )
  .option(
    "--crontab <file>",
    "lines of <5 cron fields> <command> (default: VCO_CRONTAB, ./crontab; VCO_SCHEDULE overrides the times)",
  )
  .option("--run-on-start", "also run each job once right away (default: VCO_RUN_ON_START, false)")
  .option("--no-run-on-start", "wait for the first scheduled time")
  .action((o: { crontab?: string; runOnStart?: boolean }) =>
    run("schedule", async () => {
      const { scheduleCommand } = await import("./commands/schedule.js");
      await scheduleCommand({ env: process.env, crontab: o.crontab, runOnStart: o.runOnStart });
    }),
  );

// .env in the working directory; variables already set in the environment win.
loadDotenv({ quiet: true });
await program.parseAsync(process.argv);
