// The other two browser engines (npm run test:engines): Firefox over WebDriver BiDi
// (puppeteer-core) and WebKitGTK through WebKitWebDriver and its MiniBrowser, both Debian's
// (.ci/run installs firefox-esr, webkit2gtk-driver and xvfb). A smoke subset of the browser
// suite: the consumer scenario bundled by esbuild from the packed tarball (train, predict, a
// graph gradient, an ONNX file read, the format round trips) on 1 and 2 threads, each equal to
// Node's bits. Never downloads a browser; without one the engine's tests are skipped, or fail
// when WASMLP_REQUIRE_BROWSER=1.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { build as esbuild } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { browserRequired } from "../browser/browser.js";
import { makeWorkspace, runNode, serveStatic } from "./workspace.js";

const FIREFOX = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH ?? "/usr/bin/WebKitWebDriver";
/** MiniBrowser ships in the libwebkit2gtk package, under its API version's directory. */
const MINIBROWSER =
  process.env.MINIBROWSER_PATH ??
  ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/libexec"]
    .flatMap((lib) =>
      existsSync(lib)
        ? readdirSync(lib)
            .filter((d) => d.startsWith("webkit2gtk-") || d.startsWith("webkitgtk-"))
            .map((d) => join(lib, d, "MiniBrowser"))
        : [],
    )
    .find((p) => existsSync(p));
const XVFB_RUN = "/usr/bin/xvfb-run";

const ws = makeWorkspace();
let expected: Record<string, unknown>;
let server: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  expected = runNode(ws.dir, "node-esm/index.js", 1);
  await esbuild({ entryPoints: ["src/index.js"], bundle: true, outfile: "public/app.js", absWorkingDir: join(ws.dir, "esbuild"), logLevel: "error" });
  server = await serveStatic(join(ws.dir, "esbuild"));
});
afterAll(async () => {
  await server?.close();
  ws.remove();
});

function numbers(result: Record<string, unknown>): Record<string, unknown> {
  const { threads: _, notices: __, ...rest } = result;
  return rest;
}

/** The page computed Node's numbers on `threads` threads, with the notices given. */
function check(got: Record<string, unknown>, threads: number, notices: RegExp[] = []): void {
  if (got.error) throw new Error(`the page failed: ${got.error}`);
  expect(got.threads).toBe(threads);
  expect(got.notices).toHaveLength(notices.length);
  notices.forEach((n, i) => expect((got.notices as string[])[i]).toMatch(n));
  expect(numbers(got)).toEqual(numbers(expected));
}

const firefox = existsSync(FIREFOX) || browserRequired ? describe : describe.skip;

firefox("Firefox (WebDriver BiDi)", () => {
  let browser: import("puppeteer-core").Browser;
  beforeAll(async () => {
    const { launch } = await import("puppeteer-core");
    browser = await launch({ browser: "firefox", executablePath: FIREFOX, headless: true, protocol: "webDriverBiDi" });
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const threads of [1, 2]) {
    test(`${threads} thread${threads > 1 ? "s" : ""}: Node's bits`, async () => {
      const page = await browser.newPage();
      try {
        await page.goto(`${server.url}/index.html?threads=${threads}`);
        const handle = await page.waitForFunction(() => (window as { __result?: unknown }).__result, { timeout: 60_000 });
        check((await handle.jsonValue()) as Record<string, unknown>, threads);
      } finally {
        await page.close();
      }
    });
  }
});

/** A free TCP port on localhost, for the driver to listen on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The few W3C WebDriver commands the smoke test needs, over HTTP. */
class WebDriver {
  constructor(
    private readonly base: string,
    private readonly session: string,
  ) {}

  static async connect(base: string, capabilities: Record<string, unknown>): Promise<WebDriver> {
    // The driver takes a moment to listen: poll its status endpoint (a start-up wait, not a test's).
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/status`)).ok) break;
      } catch (e) {
        if (i > 100) throw e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const created = await WebDriver.call(`${base}/session`, "POST", { capabilities: { alwaysMatch: capabilities } });
    return new WebDriver(base, (created as { sessionId: string }).sessionId);
  }

  private static async call(url: string, method: string, body?: unknown): Promise<unknown> {
    const response = await fetch(url, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await response.json()) as { value: { error?: string; message?: string } };
    if (!response.ok) throw new Error(`WebDriver ${method} ${url}: ${json.value.error}: ${json.value.message}`);
    return json.value;
  }

  command(method: string, path: string, body?: unknown): Promise<unknown> {
    return WebDriver.call(`${this.base}/session/${this.session}${path}`, method, body);
  }

  close(): Promise<unknown> {
    return WebDriver.call(`${this.base}/session/${this.session}`, "DELETE");
  }
}

const webkit = (existsSync(WEBKIT_DRIVER) && MINIBROWSER && existsSync(XVFB_RUN)) || browserRequired ? describe : describe.skip;

webkit("WebKitGTK (WebKitWebDriver, MiniBrowser under xvfb-run)", () => {
  let driverProcess: ChildProcess;
  let driver: WebDriver;
  beforeAll(async () => {
    const port = await freePort();
    driverProcess = spawn(XVFB_RUN, ["-a", WEBKIT_DRIVER, `--port=${port}`], { stdio: "ignore", detached: true });
    driver = await WebDriver.connect(`http://127.0.0.1:${port}`, {
      browserName: "MiniBrowser",
      "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] },
    });
    await driver.command("POST", "/timeouts", { script: 120_000, pageLoad: 60_000 });
  });
  afterAll(async () => {
    await driver?.close().catch(() => {});
    // xvfb-run, its X server and the driver form one process group.
    if (driverProcess?.pid) process.kill(-driverProcess.pid, "SIGTERM");
  });

  async function run(threads: number): Promise<Record<string, unknown>> {
    await driver.command("POST", "/url", { url: `${server.url}/index.html?threads=${threads}` });
    return (await driver.command("POST", "/execute/async", {
      script: "const done = arguments[arguments.length - 1]; window.__done.then(done);",
      args: [],
    })) as Record<string, unknown>;
  }

  test("1 thread: Node's bits", async () => {
    check(await run(1), 1);
  });

  // WebKitGTK 2.50's isolated page makes shared wasm memory but cannot post it to a worker
  // (DataCloneError), so 2 threads fall back to 1 with a notice that says so.
  test("2 threads asked: 1 thread, Node's bits, and a notice naming the cause", async () => {
    check(await run(2), 1, [
      /running on 1 thread instead of 2: this browser cannot pass shared WebAssembly memory to a worker \(DataCloneError\), although the page is cross-origin isolated/,
    ]);
  });
});
