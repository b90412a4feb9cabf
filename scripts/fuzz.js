// npm run fuzz -- --runs N [--seed S]: the reader fuzz properties (test/formats/reader-fuzz.test.ts, test/checkpoint-fuzz.test.ts)
// with N runs each instead of npm test's budget; prints the outcome counts and the walkers' high water.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { runs: { type: "string", default: "10000" }, seed: { type: "string" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive whole number, received ${values.runs}`);
  process.exit(2);
}
const env = { ...process.env, WASMLP_FUZZ_RUNS: String(runs), ...(values.seed === undefined ? {} : { WASMLP_FUZZ_SEED: values.seed }) };
const r = spawnSync("npx", ["vitest", "run", "test/formats/reader-fuzz.test.ts", "test/checkpoint-fuzz.test.ts", "--testTimeout", "0"], {
  stdio: "inherit",
  env,
});
process.exit(r.status ?? 1);
