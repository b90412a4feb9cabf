// Threads need shared WebAssembly memory, not the SharedArrayBuffer global: an engine may offer
// the one without the other, and threads then run (WebKitGTK's isolated pages lack the global).
import { afterAll, expect, test, vi } from "vitest";
import { init, Layer, Network, threadCount } from "../../src/index.js";

const saved = globalThis.SharedArrayBuffer;
afterAll(() => {
  globalThis.SharedArrayBuffer = saved;
});

test("init({ threads: 2 }) with no SharedArrayBuffer global starts 2 threads over shared wasm memory", async () => {
  delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  await init({ threads: 2 });
  expect(warn).not.toHaveBeenCalled();
  expect(threadCount()).toBe(2);
  const net = new Network({ inputSize: 300, layers: [new Layer({ units: 200, activation: "relu" }), new Layer({ units: 1, activation: "sigmoid" })], seed: 1 });
  const x = Array.from({ length: 64 }, (_, i) => Array.from({ length: 300 }, (_, j) => ((i * 5 + j) % 11) / 5 - 1));
  expect(
    net.fit(
      x,
      x.map((r) => (r[0] > 0 ? 1 : 0)),
      { epochs: 1, batchSize: 64 },
    ).loss[0],
  ).toBeGreaterThan(0);
  net.dispose();
  warn.mockRestore();
});
