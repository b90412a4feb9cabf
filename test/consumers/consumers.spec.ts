// The package as users take it (npm run test:consumers): the packed tarball in committed fixture
// projects, built with esbuild, Vite (production build, `vite preview`, dev server) and webpack 5
// at their defaults and run in Chromium, and run by Node as ES modules and through require(); a
// plain <script type="module"> page with the single-file bundle; TypeScript consumers with
// moduleResolution node16, nodenext and bundler, strict, skipLibCheck false, the default lib.
// Every page computes Node's numbers, on 1 thread and on 2 where it is cross-origin isolated, and
// on 1 thread with one notice where it is not.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build as esbuild } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { browserAvailable, browserRequired, launch } from "../browser/browser.js";
import { ROOT, makeWorkspace, runNode, serveStatic } from "./workspace.js";

const ws = makeWorkspace();
afterAll(() => ws.remove());
const dir = ws.dir;

let expected: Record<string, unknown>;
beforeAll(() => {
  expected = runNode(dir, "node-esm/index.js", 1);
});

/** The scenario's numbers, without the thread count they were computed on. */
function numbers(result: Record<string, unknown>): Record<string, unknown> {
  const { threads: _, notices: __, isolated: ___, ...rest } = result;
  return rest;
}

describe("Node", () => {
  test("ES modules: the scenario runs, and 2 threads give 1 thread's bits", () => {
    expect(expected.threads).toBe(1);
    expect((expected.loss as number[]).length).toBe(3);
    const two = runNode(dir, "node-esm/index.js", 2);
    expect(two.threads).toBe(2);
    expect(numbers(two)).toEqual(numbers(expected));
  });

  test("CommonJS: require() of wasmlp and every subpath gives the same numbers", () => {
    expect(numbers(runNode(dir, "node-cjs/index.js", 1))).toEqual(numbers(expected));
  });
});

describe("TypeScript consumers (strict, skipLibCheck false, default lib)", () => {
  for (const resolution of ["node16", "nodenext", "bundler"]) {
    test(`moduleResolution ${resolution}`, () => {
      const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
      // execFileSync throws with tsc's diagnostics on stdout when a declaration does not compile.
      const run = () => execFileSync(process.execPath, [tsc, "-p", join(dir, `ts-${resolution}`)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      try {
        run();
      } catch (e) {
        throw new Error((e as { stdout: string }).stdout);
      }
    });
  }
});

const maybe = browserAvailable || browserRequired ? describe : describe.skip;

maybe("bundlers, in Chromium", () => {
  let browser: Browser;
  const servers: { close: () => Promise<void> }[] = [];
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
  });

  /** Loads `url` with ?threads=N and returns what the page's scenario left in window.__result. */
  async function runPage(url: string, threads: number): Promise<Record<string, unknown>> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await page.goto(`${url}?threads=${threads}`);
      const handle = await page.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, { timeout: 60_000 });
      const result = (await handle.jsonValue()) as Record<string, unknown>;
      expect(errors).toEqual([]);
      if (result.error) throw new Error(`the page failed: ${result.error}`);
      return { ...result, isolated: await page.evaluate(() => self.crossOriginIsolated) };
    } finally {
      await page.close();
    }
  }

  async function checkPage(root: string, path: string): Promise<void> {
    const server = await serveStatic(root);
    servers.push(server);
    await checkIsolated(`${server.url}${path}`);
  }

  /** Threads start in the isolated page at `url`: 2 threads, not the fallback, and Node's bits on 1 and 2. */
  async function checkIsolated(url: string): Promise<void> {
    for (const threads of [1, 2]) {
      const got = await runPage(url, threads);
      expect(got.isolated).toBe(true);
      expect(got.threads).toBe(threads);
      expect(got.notices).toEqual([]);
      expect(numbers(got)).toEqual(numbers(expected));
    }
  }

  /** The page at `url` is not isolated: 2 threads asked, 1 given, one notice naming the cause, the same bits. */
  async function checkFallback(url: string): Promise<void> {
    const got = await runPage(url, 2);
    expect(got.isolated).toBe(false);
    expect(got.threads).toBe(1);
    expect(numbers(got)).toEqual(numbers(expected));
    expect(got.notices).toHaveLength(1);
    expect((got.notices as string[])[0]).toMatch(/cross-origin isolated/);
  }

  test("esbuild (--bundle, its defaults: browser platform, iife)", async () => {
    await esbuild({ entryPoints: ["src/index.js"], bundle: true, outfile: "public/app.js", absWorkingDir: join(dir, "esbuild"), logLevel: "error" });
    await checkPage(join(dir, "esbuild"), "/index.html");
  });

  test("webpack 5 (its defaults: src/index.js to dist/main.js, production mode)", { timeout: 300_000 }, async () => {
    const { default: webpack } = await import("webpack");
    const stats = await new Promise<import("webpack").Stats>((resolve, reject) => {
      // What `webpack --mode=production` does in the fixture's folder (its default output is cwd's dist/).
      webpack({ context: join(dir, "webpack"), mode: "production", output: { path: join(dir, "webpack/dist") } }, (err, s) =>
        err || !s ? reject(err) : resolve(s),
      );
    });
    expect(stats.hasErrors(), stats.toString("errors-only")).toBe(false);
    // No warning about wasmlp's code (the size hints are about the application's bundle).
    const fromWasmlp = stats.compilation.warnings.filter((w) => (w as { module?: { resource?: string } }).module?.resource?.includes("/node_modules/wasmlp/"));
    expect(fromWasmlp.map((w) => w.message)).toEqual([]);
    await checkPage(join(dir, "webpack"), "/index.html");
  });

  test("Vite production build (Rolldown)", async () => {
    const { build } = await import("vite");
    await build({ root: join(dir, "vite"), logLevel: "error" });
    await checkPage(join(dir, "vite/dist"), "/index.html");
  });

  test("Vite preview of the production build, cross-origin isolated by vite.config.js", async () => {
    const { build, preview } = await import("vite");
    await build({ root: join(dir, "vite"), logLevel: "error", build: { outDir: "dist-preview" } });
    const server = await preview({ root: join(dir, "vite"), logLevel: "error", build: { outDir: "dist-preview" }, preview: { port: 0, host: "127.0.0.1" } });
    try {
      await checkIsolated(`${server.resolvedUrls!.local[0].replace(/\/$/, "")}/index.html`);
    } finally {
      await server.close();
    }
  });

  test("Vite dev server (its dependency pre-bundling), cross-origin isolated by vite.config.js", async () => {
    const { createServer } = await import("vite");
    const server = await createServer({ root: join(dir, "vite"), logLevel: "error", server: { port: 0, host: "127.0.0.1" } });
    await server.listen();
    try {
      await checkIsolated(`${server.resolvedUrls!.local[0].replace(/\/$/, "")}/index.html`);
    } finally {
      await server.close();
    }
  });

  test("Vite dev server without the headers: one thread and one notice", async () => {
    const { createServer } = await import("vite");
    const server = await createServer({ root: join(dir, "vite"), configFile: false, logLevel: "error", server: { port: 0, host: "127.0.0.1" } });
    await server.listen();
    try {
      await checkFallback(`${server.resolvedUrls!.local[0].replace(/\/$/, "")}/index.html`);
    } finally {
      await server.close();
    }
  });

  test('a plain <script type="module"> page with the single-file bundle (no bundler)', async () => {
    const server = await serveStatic(dir);
    servers.push(server);
    for (const threads of [1, 2]) {
      const got = await runPage(`${server.url}/script-module/index.html`, threads);
      expect(got.threads).toBe(threads);
      expect({ loss: got.loss, predict: got.predict }).toEqual({ loss: expected.loss, predict: expected.predict });
    }
  });

  test("a page that is not cross-origin isolated falls back to 1 thread with one notice", async () => {
    const server = await serveStatic(join(dir, "esbuild"), false);
    servers.push(server);
    const page = await browser.newPage();
    const warnings: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "warning") warnings.push(m.text());
    });
    try {
      await page.goto(`${server.url}/index.html?threads=2`);
      const got = (await (await page.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, { timeout: 60_000 })).jsonValue()) as Record<
        string,
        unknown
      >;
      expect(got.threads).toBe(1);
      expect(numbers(got)).toEqual(numbers(expected));
      expect(warnings.filter((w) => w.startsWith("wasmlp:"))).toHaveLength(1);
      expect(warnings[0]).toMatch(/cross-origin isolated/);
    } finally {
      await page.close();
    }
  });
});

test("the fixtures import wasmlp only by its public names", () => {
  for (const f of ["esbuild/src/index.js", "vite/src/index.js", "webpack/src/index.js", "node-esm/index.js", "node-cjs/index.js"]) {
    expect(readFileSync(join(dir, f), "utf8")).not.toMatch(/node_modules|dist\//);
  }
});
