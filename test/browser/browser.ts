// Launching Debian's Chromium through playwright-core for the browser tests. Never downloads
// a browser: without /usr/bin/chromium the tests are skipped, or fail when CI requires them.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const browserAvailable = existsSync(CHROMIUM);
/** .ci/run sets this so that a missing browser fails instead of skipping. */
export const browserRequired = process.env.WASMLP_REQUIRE_BROWSER === "1";

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
  });
}
