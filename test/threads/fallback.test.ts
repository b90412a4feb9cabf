// Threads asked for in a page that is not cross-origin isolated: one clear notice, then one thread.
import { afterAll, expect, test, vi } from "vitest";
import { init, Layer, Network, threadCount } from "../../src/index.js";

afterAll(() => {
  delete (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
});

test('threads must be a positive integer or "auto"', async () => {
  await expect(init({ threads: 0 })).rejects.toThrow(new RangeError("init() expected threads to be an integer from 1 to 256, received 0"));
  await expect(init({ threads: 2.5 })).rejects.toThrow(RangeError);
  await expect(init({ threads: "4" as unknown as number })).rejects.toThrow(new TypeError('init() expected threads to be a number or "auto", received string'));
});

test("threadTimeoutMs must be a positive finite number of milliseconds, and init() takes no unknown option", async () => {
  for (const bad of [0, -5, Infinity, NaN, 2 ** 31, "100" as unknown as number]) {
    await expect(init({ threads: 2, threadTimeoutMs: bad })).rejects.toThrow(
      /^init\(\) threadTimeoutMs must be a finite number in \(0, 2147483647\], received /,
    );
  }
  await expect(init({ threads: 2, threadTimeoutMs: 0 })).rejects.toThrow("received 0");
  await expect(init({ thread: 2 } as unknown as { threads: number })).rejects.toThrow(
    new TypeError('init() has an unknown option "thread"; known options: source, threads, threadTimeoutMs, simd, relaxedSource'),
  );
});

test("init({ threads }) in a page that is not cross-origin isolated warns once and runs on one thread", async () => {
  (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated = false;
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  await init({ threads: 4 });
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0][0])).toMatch(
    /running on 1 thread instead of 4: the page is not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin/,
  );
  expect(threadCount()).toBe(1);
  const net = new Network({ inputSize: 2, layers: [new Layer({ units: 1, activation: "sigmoid" })], seed: 1 });
  expect(net.predict([[1, 2]])).toHaveLength(1);
  net.dispose();
  await init({ threads: 4 });
  expect(warn).toHaveBeenCalledTimes(1);
  // A different request after the first is not silently ignored either.
  await init({ threads: 2 });
  expect(warn).toHaveBeenCalledTimes(2);
  expect(String(warn.mock.calls[1][0])).toBe("wasmlp: init() already ran with threads: 4; threads: 2 is ignored (call init({ threads }) before anything else)");
  warn.mockRestore();
});
