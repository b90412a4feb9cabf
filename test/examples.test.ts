// Every script in examples/ runs at a small size (its size argument) against the built package,
// and prints what it exists to show. They run as child processes, as a user runs them.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);
const root = new URL("../", import.meta.url);

/** Each example with its small-size arguments and what its output must show. */
const EXAMPLES: Record<string, { args: string[]; shows: RegExp[] }> = {
  "xor.js": { args: ["300"], shows: [/^Network\(2 → 8 tanh → 1 sigmoid/m, /^loss [\d.]+ -> [\d.]+ after 300 epochs$/m] },
  "fashion-mnist.js": { args: ["500", "1"], shows: [/^epoch 1\/1 /m, /^held-out accuracy 0\.\d+ on 100 images/m, /Ankle boot +F1/] },
  "custom-loss.js": { args: ["100"], shows: [/^df\/dx 2\.0596 {2}df\/dy 1\.5922$/m, /^weighted loss /m] },
  "pytorch-onnx.js": { args: [], shows: [/batch-norm relu → 5 layer-norm gelu/, /difference from PyTorch over 3 samples: \d\.\d\de-([6-9]|[1-9]\d)$/m] },
  "tfjs-model.js": { args: ["10"], shows: [/^Network\(16 → 32 relu → 4 softmax/m, /largest difference from tfjs-layers: \d\.\d\de-([6-9]|[1-9]\d)$/m] },
  "csv-classification.js": {
    args: ["30"],
    shows: [/^Network\(4 → 16 relu → 3 softmax/m, /^held-out accuracy [01]\.\d+ on 9 flowers; first: setosa predicted \w+$/m],
  },
  "csv-regression.js": { args: ["50"], shows: [/^13 held-out states: R² -?\d+\.\d+ {2}MAE \d+\.\d+ {2}RMSE \d+\.\d+$/m] },
  "worker.js": { args: ["20"], shows: [/^20 epochs in a worker/m] },
  "threads.js": { args: ["256"], shows: [/^2 threads: /m, /^weights equal to 1 thread's: true$/m] },
};

test("every example is listed here, and opens with what it shows and how to run it", () => {
  const files = readdirSync(new URL("examples/", root))
    .filter((f) => f.endsWith(".js"))
    .sort();
  expect(files).toEqual(Object.keys(EXAMPLES).sort());
  for (const f of files) {
    const head = readFileSync(new URL(`examples/${f}`, root), "utf8")
      .split("\n")
      .slice(0, 4)
      .join("\n");
    expect(head, f).toMatch(/^\/\/ Shows /);
    expect(head, f).toMatch(/^\/\/ Usage: node examples\//m);
  }
});

// Side by side: together they stay within the test budget on two cores.
test("the examples run at their small sizes", async () => {
  const outputs = await Promise.all(
    Object.entries(EXAMPLES).map(async ([file, { args }]) => {
      const { stdout } = await run(process.execPath, [`examples/${file}`, ...args], { cwd: root, env: { ...process.env, WASMLP_EXAMPLE_CHILD: "" } });
      return [file, stdout] as const;
    }),
  );
  for (const [file, stdout] of outputs) for (const shows of EXAMPLES[file].shows) expect(stdout, file).toMatch(shows);
});
