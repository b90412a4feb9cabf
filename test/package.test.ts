// The package as `npm pack` publishes it: what it holds, its size, and that every entry shares
// one runtime and reaches no node: module in a browser build.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, expect, test } from "vitest";
import { relativeLinks } from "./markdown.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const work = mkdtempSync(join(tmpdir(), "wasmlp-package-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The message kernels() throws before init(): one copy of it is one copy of the runtime. */
const RUNTIME_MARKER = "wasmlp is not initialised";

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".js"))
    .map((e) => join(e.parentPath, e.name));
}

/** Every subpath and its file for a condition ("default", or "node" where that is all there is). */
function entries(): [string, string][] {
  return Object.entries(pkg.exports as Record<string, string | Record<string, string>>)
    .filter(([, target]) => typeof target === "object")
    .map(([subpath, target]) => [subpath, (target as Record<string, string>).default ?? (target as Record<string, string>).node]);
}

/** What `npm pack` would publish: the file paths, the packed and the unpacked size. */
function packed(): { files: string[]; size: number; unpackedSize: number } {
  const [pack] = JSON.parse(
    execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
  );
  return { files: pack.files.map((f: { path: string }) => f.path), size: pack.size, unpackedSize: pack.unpackedSize };
}

test("the package holds the build, the wasm, the types and the guides: no data, no source maps but the bundles'", () => {
  const pack = packed();
  for (const needed of [
    "package.json",
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
    "build/wasmlp.wasm",
    "dist/index.js",
    "dist/index.d.ts",
    "dist/wasmlp.browser.js",
    "dist/platform/browser.js",
    "dist/platform/node.js",
    "dist/cli/main.js",
    "dist/reference/index.js",
    "docs/index.md",
  ]) {
    expect(pack.files).toContain(needed);
  }
  // The markdown ships so that the README's and the guides' links resolve wherever the package is
  // read (npm's file browser, unpkg, node_modules): package.json names no repository to send them to.
  const allowed =
    /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|CONTRIBUTING\.md|build\/wasmlp(\.relaxed)?\.wasm|dist\/.+\.(js|d\.ts)|dist\/wasmlp(-data)?\.browser\.js\.map|docs\/[\w-]+\.md|examples\/[\w-]+\.(js|html|md)|bench\/(RESULTS|LOG)\.md|assembly\/README\.md)$/;
  expect(pack.files.filter((f) => !allowed.test(f))).toEqual([]);
  // The Fashion-MNIST test set (4.3 MB) stays in the repository for npm start; see src/data/node.ts.
  // A ceiling with a few percent of headroom over what ships now (640 KiB packed, 2,062 KiB
  // unpacked); the history of these figures is in bench/LOG.md. Raise it on purpose, never by habit.
  expect(pack.size).toBeLessThan(672 * 1024);
  expect(pack.unpackedSize).toBeLessThan(2176 * 1024);
});

test("every relative link in the packed markdown leads to a packed file", () => {
  const { files } = packed();
  const shipped = new Set(files);
  const broken: string[] = [];
  for (const file of files.filter((f) => f.endsWith(".md"))) {
    for (const link of relativeLinks(readFileSync(join(ROOT, file), "utf8"))) {
      const path = link.split("#", 1)[0];
      if (path === "") continue;
      const target = posix.normalize(posix.join(posix.dirname(file), decodeURIComponent(path))).replace(/\/$/, "");
      if (!shipped.has(target) && !files.some((f) => f.startsWith(`${target}/`))) broken.push(`${file}: ${link}`);
    }
  }
  expect(broken).toEqual([]);
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
// init({ simd }) and the int8 layers' split across threads (Dispatcher.qforward, splitRows) took
// the bundle 2.3 KiB more (188 KiB with the feature specs of quantized files); the relaxed build's loader and checks stay out of it (src/relaxed.ts,
// imported on demand) and its wasm is a file of its own. One schedule over a Backend added 3.2 KB
// (the primitives as named backend methods, and each activation's derivative in its registry entry).
// Splitting model.ts and the schedule into modules of one job (engine/parameters.ts: class fields
// and delegating methods) added 0.5 KB: 192 KiB.
test("size budget: wasm under 55 KiB, the browser bundle under 192 KiB (of which the wasm in base64 is 73 KiB)", () => {
  expect(statSync(`${ROOT}/build/wasmlp.wasm`).size).toBeLessThan(55 * 1024);
  expect(statSync(`${ROOT}/dist/wasmlp.browser.js`).size).toBeLessThan(192 * 1024);
});

test("no file of dist/ imports wasmlp by its own name, and no entry but the bundles holds a copy of the runtime", () => {
  const byName = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s*)["']wasmlp(?:\/[^"']*)?["']/m;
  const code = (f: string) => readFileSync(f, "utf8").replace(/^\s*(\/\/|\/\*|\*).*$/gm, ""); // comments may say "wasmlp"
  const offenders = jsFiles(join(ROOT, "dist")).filter((f) => byName.test(code(f)));
  expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  for (const [subpath, file] of entries()) {
    const text = readFileSync(join(ROOT, file), "utf8");
    // Only the runtime's module itself and the single-file bundle may hold the runtime.
    if (subpath === "./browser") expect(text.includes(RUNTIME_MARKER), subpath).toBe(true);
    else expect(text.includes(RUNTIME_MARKER), subpath).toBe(false);
  }
  expect(readFileSync(join(ROOT, "dist/wasm.js"), "utf8").includes(RUNTIME_MARKER)).toBe(true);
});

test("a browser build of every subpath (graph first) bundles with no node: module and one runtime", async () => {
  // The application has wasmlp in its node_modules, as an install gives it (a link to this tree).
  mkdirSync(join(work, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(work, "node_modules", "wasmlp"), "dir");
  const browserSubpaths = entries()
    .map(([s]) => s)
    .filter((s) => s !== "./browser" && s !== "./tfjs/node");
  expect(browserSubpaths[0]).toBe(".");
  const ordered = [...browserSubpaths.slice(1), "."]; // wasmlp/graph before wasmlp
  const specifier = (s: string) => (s === "." ? "wasmlp" : `wasmlp/${s.slice(2)}`);
  writeFileSync(join(work, "app.js"), ordered.map((s, i) => `export * as m${i} from "${specifier(s)}";`).join("\n"));
  const result = await build({
    entryPoints: [join(work, "app.js")],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    outfile: join(work, "out.js"),
    absWorkingDir: work,
    metafile: true,
    logLevel: "silent",
    tsconfigRaw: {}, // the link leads into this tree, whose tsconfig maps #platform to the sources; a user has none
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.filter((i) => i.includes("node:") || i.includes("platform/node"))).toEqual([]);
  expect(inputs.filter((i) => i.endsWith(".browser.js"))).toEqual([]);
  const code = result.outputFiles[0].text;
  expect(code.split(RUNTIME_MARKER).length - 1).toBe(1);
});

test("CommonJS: require() gives the same module as import (Node's require of ES modules)", () => {
  const script = `
    const { init, Network } = require("wasmlp");
    const { tensor } = require("wasmlp/graph");
    const { toOnnx, fromOnnx } = require("wasmlp/onnx");
    init().then(() => {
      const net = new Network({ inputSize: 3, layers: [{ units: 2, activation: "tanh" }], seed: 4 });
      const back = fromOnnx(toOnnx(net));
      const t = tensor([1, 2, 3]).mul(2).sum().item();
      console.log(JSON.stringify([back instanceof Network, Array.from(back.predict([1, 2, 3])), Array.from(net.predict([1, 2, 3])), t]));
    });
  `;
  const out = JSON.parse(
    execFileSync(process.execPath, ["--input-type=commonjs", "-e", script], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
  );
  expect(out[0]).toBe(true);
  expect(out[1]).toEqual(out[2]);
  expect(out[3]).toBe(12);
});
