// Starting a real worker from the bundled worker program (worker-main.ts): a Node eval worker, or
// a Web Worker from a blob URL, so that no file has to be found whatever bundler built the library.
import { NodeWorker } from "#platform";
import { WORKER_SOURCE } from "../generated/worker-source.js";
import type { Spawned, Spawner } from "./pool.js";
import type { WorkerReply } from "./protocol.js";

export const spawnWorker: Spawner = async (init, onExit): Promise<Spawned> => {
  if (NodeWorker && typeof window === "undefined") {
    const worker = new NodeWorker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      worker.once("message", (m: WorkerReply) => (m.ready ? resolve() : reject(new Error(`wasmlp thread failed to start: ${m.error}`))));
      worker.once("error", (e) => {
        reject(e);
        onExit(`a thread crashed: ${e.message}`);
      });
      worker.once("exit", (code) => {
        reject(new Error(`wasmlp thread exited (code ${code}) before it started`));
        onExit(`a thread exited (code ${code})`);
      });
    });
    worker.postMessage(init);
    return { handle: worker, ready };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => (e.data.ready ? resolve() : reject(new Error(`wasmlp thread failed to start: ${e.data.error}`)));
    worker.onerror = (e: ErrorEvent) => {
      reject(new Error(`wasmlp thread failed: ${e.message}`));
      onExit(`a thread crashed: ${e.message}`);
    };
  });
  worker.postMessage(init);
  return { handle: worker, ready };
};
