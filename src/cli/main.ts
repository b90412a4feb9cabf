#!/usr/bin/env node
// The wasmlp command: dispatches to a subcommand; any error becomes one line on stderr
// and a non-zero exit (2 for usage, 1 otherwise), never a stack trace.
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HELP, evaluate, predict, train } from "./commands.js";
import { UsageError } from "./args.js";
import { exportModel } from "./export.js";
import { quantize } from "./quantize.js";
import type { Output } from "./progress.js";

const COMMANDS: ReadonlyMap<string, (argv: string[], out: Output) => Promise<number>> = new Map([
  ["train", train],
  ["eval", evaluate],
  ["predict", predict],
  ["export", exportModel],
  ["quantize", quantize],
]);

export async function main(argv: string[], out: Output): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-v" || command === "version") {
    out.write(`wasmlp ${version()}\n`);
    return 0;
  }
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    out.write(HELP.main);
    return command === undefined ? 2 : 0;
  }
  const runCommand = COMMANDS.get(command);
  if (!runCommand) throw new UsageError(`unknown command "${command}"; commands: ${[...COMMANDS.keys()].join(", ")} (see wasmlp --help)`);
  return runCommand(rest, out);
}

/** The package's version, from the package.json two folders up (from src/cli and from dist/cli alike). */
function version(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

/** Where the command writes: its output (progress, tables) and one line per error. */
export interface CliIO {
  stdout: Output;
  stderr: (text: string) => void;
}

/**
 * Runs the command on `argv` (without node and the script) and returns its exit code: 0, 2 for a
 * usage error, 1 for any other. An error becomes one line on `io.stderr`, never a stack trace.
 * Tests call this in-process; the executable below hands it the process's streams.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  try {
    return await main(argv, io.stdout);
  } catch (e) {
    io.stderr(`wasmlp: error: ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

/** Whether this module is the process's entry point (also through npm's bin link). */
function isEntryPoint(): boolean {
  if (typeof process === "undefined" || !process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A reader that stops early (wasmlp train | head) closes the pipe: stop quietly, as Unix tools do.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  const stdout: Output = {
    write: (text) => void process.stdout.write(text),
    isTTY: Boolean(process.stdout.isTTY),
    get columns() {
      return process.stdout.columns;
    },
  };
  run(process.argv.slice(2), { stdout, stderr: (text) => void process.stderr.write(text) }).then((code) => {
    process.exitCode = code;
  });
}
