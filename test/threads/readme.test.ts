// docs/using-threads.md's examples run as written, in a process of their own (init() is once per
// process, and test/readme.test.ts initialises without threads).
import { expect, test } from "vitest";
import { blockRunner, docBlocks } from "../readme-blocks.js";

const blocks = docBlocks("using-threads.md");
const run = blockRunner(new URL("./.readme-threads/", import.meta.url));

test("init({ threads: 2 }) gives 2 threads, and fitInWorker trains", async () => {
  expect(blocks).toHaveLength(2);
  expect(await run(blocks[0], 0)).toBe("2");
  expect(await run(blocks[1], 1)).toBe("2");
});
