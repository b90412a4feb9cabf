// Launching Debian's Chromium through playwright-core for the browser tests. Never downloads
// a browser: without /usr/bin/chromium the tests are skipped, or fail when CI requires them.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { serve } from "../../demo/serve.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const browserAvailable = existsSync(CHROMIUM);
/** .ci/run sets this so that a missing browser fails instead of skipping. */
export const browserRequired = process.env.WASMLP_REQUIRE_BROWSER === "1";

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}

/** Registers beforeAll/afterAll that start the demo server and Chromium (when available). */
export function useBrowserAndServer(): { browser: () => Browser; url: () => string } {
  let browser: Browser | undefined;
  let server: { url: string; close: () => Promise<void> } | undefined;
  beforeAll(async () => {
    if (!browserAvailable) return;
    server = await serve();
    browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return { browser: () => browser!, url: () => server!.url };
}
