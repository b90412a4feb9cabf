import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // README examples import the package by name; tests run them against the sources.
    alias: [
      { find: /^wasmlp\/reference$/, replacement: fileURLToPath(new URL("./src/reference/index.ts", import.meta.url)) },
      { find: /^wasmlp$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup-wasm.ts"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
