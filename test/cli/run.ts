// The wasmlp command run in this process (src/cli/main.ts run()), with its output captured: what
// a user sees, without a Node process per call.
import { run } from "../../src/cli/main.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function wasmlp(...args: string[]): Promise<CliResult> {
  let stdout = "",
    stderr = "";
  const code = await run(args, {
    stdout: {
      write: (t) => {
        stdout += t;
      },
      isTTY: false,
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}
