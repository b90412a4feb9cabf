// The slow package suites, outside npm test: npm run test:consumers (bundlers, Node, TypeScript,
// Chromium) and npm run test:engines (Firefox and WebKitGTK). Both test the packed tarball.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/consumers/*.spec.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
