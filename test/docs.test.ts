// The README and the guides hold together: every relative link and anchor resolves, and every
// ```ts / ```js block in docs/*.md runs as written (the README's own blocks: readme.test.ts).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { expect, test } from "vitest";
import { anchors, relativeLinks } from "./markdown.js";
import { ROOT, blockRunner, codeBlocks } from "./readme-blocks.js";

const GUIDES = readdirSync(new URL("docs/", ROOT))
  .filter((f) => f.endsWith(".md"))
  .sort()
  .map((f) => `docs/${f}`);
const LINKED = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", "bench/LOG.md", "bench/RESULTS.md", "assembly/README.md", "examples/README.md", ...GUIDES];

/**
 * Blocks that cannot run in this process, each run by the test named instead (which must read
 * the guide): init({ threads }) has to be a process's first init().
 */
const RUN_ELSEWHERE = new Map([["docs/using-threads.md", "test/threads/readme.test.ts"]]);

test("the guides exist and the README links the index", () => {
  expect(GUIDES).toContain("docs/index.md");
  expect(relativeLinks(readFileSync(new URL("README.md", ROOT), "utf8"))).toContain("docs/index.md");
});

test("the changelog has one line per change", () => {
  const entries = readFileSync(new URL("CHANGELOG.md", ROOT), "utf8")
    .split("\n")
    .filter((l) => /^\s/.test(l) && l.trim() !== "");
  expect(entries, "continuation lines").toEqual([]);
});

test("no markdown file holds a merge's conflict markers", () => {
  for (const file of LINKED) expect(readFileSync(new URL(file, ROOT), "utf8"), file).not.toMatch(/^(<{7} |={7}$|>{7} )/m);
});

test("the README stays short", () => {
  expect(readFileSync(new URL("README.md", ROOT), "utf8").split("\n").length).toBeLessThanOrEqual(250);
});

test.each(LINKED)("every link and anchor in %s resolves", (file) => {
  const broken: string[] = [];
  const base = new URL(file, ROOT);
  for (const link of relativeLinks(readFileSync(base, "utf8"))) {
    const [path, anchor] = link.split("#", 2);
    const target = path === "" ? base : new URL(path, base);
    if (!existsSync(target)) {
      broken.push(`${link}: no such file`);
      continue;
    }
    if (anchor === undefined) continue;
    if (statSync(target).isDirectory() || !target.pathname.endsWith(".md")) {
      broken.push(`${link}: an anchor into a file that is not markdown`);
      continue;
    }
    if (!anchors(readFileSync(target, "utf8")).has(decodeURIComponent(anchor))) broken.push(`${link}: no heading with that anchor`);
  }
  expect(broken).toEqual([]);
});

test("the anchors follow GitHub's rule", () => {
  expect([...anchors("# Keras and TensorFlow.js (the layers format)\n## What `tidy` keeps\n## A\n## A\n```\n# not a heading\n```")]).toEqual([
    "keras-and-tensorflowjs-the-layers-format",
    "what-tidy-keeps",
    "a",
    "a-1",
  ]);
});

test.each([...RUN_ELSEWHERE])("%s's blocks are run by %s", (guide, by) => {
  expect(codeBlocks(guide).length).toBeGreaterThan(0);
  expect(readFileSync(new URL(by, ROOT), "utf8")).toContain(guide.replace(/^docs\//, ""));
});

const run = blockRunner(new URL("./.docs-blocks/", import.meta.url));
const runnable = GUIDES.filter((g) => !RUN_ELSEWHERE.has(g)).flatMap((g) =>
  codeBlocks(g).map((b, i) => ({ name: `${g} block ${i + 1}`, id: `${g.replace(/\W/g, "_")}_${i}`, ...b })),
);

test.each(runnable)("$name runs", async ({ id, code, lang }) => {
  await run(code, id, lang);
});
