// The worker program: scripts/embed-worker.js bundles this file and what it imports into one
// script (src/generated/worker-source.ts) that runs the same as a Node eval worker or a blob-URL
// Web Worker, whatever bundler built the library. It instantiates the threads build over the
// shared memory, says it is ready, and serves jobs until the pool closes.
import { realClock, type WorkerInit, type WorkerReply } from "./protocol.js";
import { attach, serve } from "./worker.js";

interface Port {
  post(m: WorkerReply): void;
  listen(f: (m: WorkerInit) => void): void;
}

function port(): Port {
  if (typeof require === "function" && typeof self === "undefined") {
    const parent = (require("node:worker_threads") as typeof import("node:worker_threads")).parentPort!;
    return { post: (m) => parent.postMessage(m), listen: (f) => void parent.once("message", f) };
  }
  const scope = self as unknown as { postMessage(m: unknown): void; onmessage: ((e: { data: WorkerInit }) => void) | null };
  return { post: (m) => scope.postMessage(m), listen: (f) => void (scope.onmessage = (e) => f(e.data)) };
}

const io = port();
io.listen(async ({ module, memory, control, slot, workers, names }) => {
  let exports: WebAssembly.Exports;
  try {
    exports = (await WebAssembly.instantiate(module, { env: { memory } })).exports;
  } catch (e) {
    io.post({ error: String((e instanceof Object && (e as Error).message) || e) });
    return;
  }
  const state = attach(
    control,
    slot,
    workers,
    names.map((n) => exports[n] as (...args: number[]) => unknown),
  );
  io.post({ ready: true });
  serve(state, realClock);
});
