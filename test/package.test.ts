// What `npm pack` would publish: only what a user needs, within the size budget.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

test("the package holds the build, the embedded data and the docs, nothing else", () => {
  const [pack] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  const files: string[] = pack.files.map((f: { path: string }) => f.path);
  for (const needed of ["package.json", "README.md", "LICENSE", "build/wasmlp.wasm", "dist/index.js", "dist/index.d.ts", "dist/wasmlp.browser.js", "dist/cli/main.js", "dist/reference/index.js", "data/fashion-mnist/LICENSE", "data/fashion-mnist/t10k-images-idx3-ubyte.gz"]) {
    expect(files).toContain(needed);
  }
  const allowed = /^(package\.json|README\.md|LICENSE|build\/wasmlp\.wasm|dist\/.+|data\/fashion-mnist\/.+)$/;
  expect(files.filter((f) => !allowed.test(f))).toEqual([]);
});

// The bundle budget includes the threads runtime (pool, dispatcher, memory rewrite: about 10 KiB
// minified). The wasm's grew from 32 to 40 KiB with the fused forward kernels, the strided
// matmuls for threads and ten activations; onnxruntime-web's is about 10 MB, for comparison.
// The bundle's grew to 128 KiB with the training features (schedules, dropout, metrics, weights,
// checkpoints): what a browser app that trains needs; the formats stay in their own subpaths.
// The wasm's grew to 44 KiB with the computation graph's kernels (assembly/elementwise.ts:
// broadcasting arithmetic, exp/log/pow, transpose: 3.7 KiB, 1.4 of them libm's powf).
// The wasm's grew to 48 KiB with swish and gelu (a float32 erfc: 2.2 KiB, after every forward
// kernel's scalar tail became a call of activate4 instead of a second inlined copy) and the
// normalization kernels (assembly/normalization.ts: 2.9 KiB); the bundle's to 140 KiB with them
// (6.8 KiB of base64, 2.7 KiB of TypeScript: the options, the engines' buffers, the reference and erfc).
// The bundle's grew to 142 KiB with the threads' dynamic tile scheduling (1.5 KiB, most of it the
// worker's program, which ships as source text and is not minified), and to 143 KiB with the
// input checks of predict and trainBatch on their copies in wasm memory, shared with the threads.
// The wasm's grew past 48 KiB, and the bundle's to 144 KiB, with matmul_strided_nt_forward (94 B
// of wasm: the fused bias and activation store in each thread's tile of a forward pass, instead of
// two passes after the split matmul; 1.04× the 2-thread steps/s) and the worker's poll setting,
// and to 146 KiB with the segmented tile scheduling and fit's read-ahead of the next minibatch
// while the calling thread waits (1.3 KiB; 1.02× the 2-thread epochs/s), and to 147 KiB with
// max_abs and sgd_step taking sixteen floats a turn (314 B of wasm: 1.85× and 1.25× as fast; the
// finiteness check of every step's gradients) and the elementwise kernels' cost classes (passes
// with an exp shared from 8,192 floats instead of 65,536: 1.1–1.7× on those sizes), and to
// 148 KiB with A packed once per thread and job for column tiles (the kernels' aMode, 516 B of
// wasm, and its plumbing: 1.05–1.07× the 2-thread steps/s), and to 149 KiB with workers closed
// out of a job they have not entered once the calling thread has run its tiles (1 KB, most of it
// in the worker's program: 1.02–1.05× the 2-thread epochs/s), and to 160 KiB with feature specs
// (10 KB: their validation as a model file field, and predict on raw row objects), and to 163 KiB
// with threads as a library (2.7 KB: the worker program bundled from its type-checked modules
// repeats the tile-taking and call helpers the pool has, the one-thread dispatcher, and each
// tile's arguments checked against the kernel's signature). Int8 inference took the wasm to
// 54 KiB (quantize_rows, qmatmul_nt_forward, dense_nt_forward's one-sample path: 4.6 KB) and the
// bundle to 180 KiB (that wasm in base64 and src/quantize.ts: QuantizedNetwork and its file checks),
// issue 25's checks to 183 KiB (2.4 KB: checkpoint state domains and run plans, null refused,
// classWeight arrays, one fitInWorker per network, each with a message naming what is wrong). The
// graph's IEEE exp, Φ, x^y of two tensors and where took the wasm to 55 KiB (977 B) and the bundle to 185 KiB.
test("size budget: wasm under 55 KiB, the browser bundle under 185 KiB (of which the wasm in base64 is 73 KiB)", () => {
  expect(statSync(`${ROOT}/build/wasmlp.wasm`).size).toBeLessThan(55 * 1024);
  expect(statSync(`${ROOT}/dist/wasmlp.browser.js`).size).toBeLessThan(185 * 1024);
});
