import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

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
      { find: /^wasmlp$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Under npm run test:debug the debug module is the process's first init(); these files need
    // init({ threads }) to come first (threads use the embedded release build), so they run only
    // in npm test; formats/no-init.test.ts checks that init() was never called, which the debug setup does.
    exclude: process.env.WASMLP_DEBUG_WASM
      ? ["test/threads/fallback.test.ts", "test/threads/readme.test.ts", "test/threads/training.test.ts", "test/formats/no-init.test.ts", "**/node_modules/**"]
      : ["**/node_modules/**"],
    setupFiles: ["test/setup-wasm.ts"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
