#!/usr/bin/env node
// The wasmlp command: dispatches to a subcommand; any error becomes one line on stderr
// and a non-zero exit (2 for usage, 1 otherwise), never a stack trace.
import { readFileSync } from "node:fs";
import { HELP, evaluate, predict, train } from "./commands.js";
import { UsageError } from "./args.js";
import { exportModel } from "./export.js";
import type { Output } from "./progress.js";
import { own } from "../validate.js";

const COMMANDS: Record<string, (argv: string[], out: Output) => Promise<number>> = { train, eval: evaluate, predict, export: exportModel };

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
  const run = own(COMMANDS, command);
  if (!run) throw new UsageError(`unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(", ")} (see wasmlp --help)`);
  return run(rest, out);
}

/** The package's version, from the package.json two folders up (from src/cli and from dist/cli alike). */
function version(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

// A reader that stops early (wasmlp train | head) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const stdout: Output = {
  write: (text) => void process.stdout.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  get columns() { return process.stdout.columns; },
};
main(process.argv.slice(2), stdout).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`wasmlp: error: ${message}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
