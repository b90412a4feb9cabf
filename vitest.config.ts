import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Under npm run test:debug the debug module is the process's first init(); these files need
// init({ threads }) to come first (threads use the embedded release build), so they run only
// in npm test; formats/no-init.test.ts checks that init() was never called, which the debug setup does.
const DEBUG_EXCLUDE = ["test/threads/fallback.test.ts", "test/threads/readme.test.ts", "test/threads/training.test.ts", "test/formats/no-init.test.ts", "test/relaxed/**"];

export default defineConfig({
  resolve: {
    // README examples import the package by name; tests run them against the sources.
    alias: [
      { find: /^wasmlp\/reference$/, replacement: fileURLToPath(new URL("./src/reference/index.ts", import.meta.url)) },
      { find: /^wasmlp\/data$/, replacement: fileURLToPath(new URL("./src/data/index.ts", import.meta.url)) },
      { find: /^wasmlp\/graph$/, replacement: fileURLToPath(new URL("./src/graph/index.ts", import.meta.url)) },
      { find: /^wasmlp\/onnx$/, replacement: fileURLToPath(new URL("./src/formats/onnx.ts", import.meta.url)) },
      { find: /^wasmlp\/tfjs$/, replacement: fileURLToPath(new URL("./src/formats/tfjs.ts", import.meta.url)) },
      { find: /^wasmlp\/tfjs\/node$/, replacement: fileURLToPath(new URL("./src/formats/tfjs-node.ts", import.meta.url)) },
      // Tests run in Node: the package's "imports" would pick the built dist/platform/node.js.
      { find: /^#platform$/, replacement: fileURLToPath(new URL("./src/platform/node.ts", import.meta.url)) },
      { find: /^wasmlp$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
    ],
  },
  test: {
    exclude: process.env.WASMLP_DEBUG_WASM ? [...DEBUG_EXCLUDE, "**/node_modules/**"] : ["**/node_modules/**"],
    setupFiles: ["test/setup-wasm.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // Vitest leaves a core free by default; two files at a time keep npm test in its budget on 2 cores
    // (the thread tests check bits, never timing, so sharing cores cannot fail them).
    maxWorkers: 2,
    // test/relaxed/ runs in a second project with the flags Node 20 needs for relaxed SIMD, and
    // without its baseline compiler (Liftoff computes relaxed_dot wrongly); test/relaxed/liftoff
    // starts its own child process with Liftoff on.
    projects: [
      { extends: true, test: { name: "main", include: ["test/**/*.test.ts"], exclude: ["test/relaxed/**", ...(process.env.WASMLP_DEBUG_WASM ? DEBUG_EXCLUDE : []), "**/node_modules/**"] } },
      { extends: true, test: { name: "relaxed", include: ["test/relaxed/**/*.test.ts"], execArgv: ["--experimental-wasm-relaxed-simd", "--no-liftoff"] } },
    ],
  },
});
