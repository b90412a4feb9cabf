// Network training in a Node worker thread, so the main thread stays free: the network travels
// as its model file, trains there (with init({ threads }) of its own), and its trained weights
// come back. Callbacks run on the calling thread; onEpochEnd may still stop training early (the
// worker waits for its answer after each epoch, one handshake per epoch).
import { NodeWorker } from "#platform";
import { parseModelJSON } from "../model-file.js";
import type { Batch, FitOptions, History, Labels, ModelJSON } from "../types.js";
import type { Network } from "../network.js";
import { simdFeatures } from "../wasm.js";

/** fitInWorker's options: fit's, plus the worker's thread count. */
export interface WorkerFitOptions extends FitOptions {
  /** Threads the worker trains with (as init({ threads })); default 1. */
  threads?: number | "auto";
}

/** What the worker posts back. */
export type FitMessage =
  | { type: "batch"; batch: number; logs: { loss: number; size: number; epoch: number } }
  | { type: "epoch"; epoch: number; logs: import("../types.js").EpochLogs }
  | { type: "done"; history: History; model: ModelJSON }
  | { type: "error"; name: string; message: string };

/** Networks training in a worker now: a second fitInWorker on one of them would lose the first's epochs. */
const training = new WeakSet<Network>();

/**
 * Trains `net` like net.fit(x, y, options), but in a worker thread (Node only); resolves to the
 * same History and leaves the trained weights, optimizer state and shuffling state in `net`. The
 * worker starts from a checkpoint of the network (toJSON({ includeOptimizerState: true })), so
 * the result has the bytes net.fit would give, on a fresh network or a trained one; `net` must
 * not be used until the promise settles, and a second fitInWorker on it before then is refused.
 */
export async function fitInWorker(net: Network, x: Batch, y: Labels, options: WorkerFitOptions = {}): Promise<History> {
  if (!NodeWorker) throw new Error("fitInWorker runs in Node; in a browser, run wasmlp itself in a Web Worker (see demo/worker.js)");
  // Checked and marked before the first await, so that two calls in a row see each other.
  if (training.has(net)) {
    throw new Error("fitInWorker: this network is already training in a worker; await that call's promise before starting another");
  }
  training.add(net);
  try {
    return await trainInWorker(NodeWorker, net, x, y, options);
  } finally {
    training.delete(net);
  }
}

async function trainInWorker(Worker: NonNullable<typeof NodeWorker>, net: Network, x: Batch, y: Labels, options: WorkerFitOptions): Promise<History> {
  const { onEpochEnd, onBatchEnd, threads, ...plain } = options;
  const answer = new Int32Array(new SharedArrayBuffer(4));
  // Next to this file once built; when this file runs as TypeScript source (the tests), the built copy.
  const here = import.meta.url;
  const script = here.endsWith(".ts") ? new URL("../../dist/threads/fit-worker-main.js", here) : new URL("./fit-worker-main.js", here);
  const worker = new Worker(script, {
    // The worker loads the calling thread's SIMD build, so its training gives the same bits.
    workerData: {
      model: net.toJSON({ includeOptimizerState: true }),
      x,
      y,
      options: plain,
      threads,
      simd: simdFeatures().build,
      answer,
      wantsBatches: onBatchEnd !== undefined,
      wantsEpochs: onEpochEnd !== undefined,
    },
  });
  return new Promise<History>((resolve, reject) => {
    let settled = false;
    const fail = (e: Error) => {
      if (!settled) {
        settled = true;
        reject(e);
        void worker.terminate();
      }
    };
    worker.on("message", (m: FitMessage) => {
      try {
        if (m.type === "batch") onBatchEnd?.(m.batch, m.logs);
        else if (m.type === "epoch") {
          let stop = false;
          try {
            stop = onEpochEnd?.(m.epoch, m.logs) === false;
          } finally {
            Atomics.store(answer, 0, stop ? 2 : 1);
            Atomics.notify(answer, 0);
          }
        } else if (m.type === "done") {
          const { weights, training } = parseModelJSON(m.model);
          net.setWeights(weights);
          net.restoreTraining(training!);
          settled = true;
          resolve(m.history);
          void worker.terminate();
        } else {
          const ErrorType = m.name === "TypeError" ? TypeError : m.name === "RangeError" ? RangeError : Error;
          fail(new ErrorType(m.message));
        }
      } catch (e) {
        fail(e as Error);
      }
    });
    worker.on("error", (e) => fail(new Error(`fitInWorker: the training worker failed: ${e.message}`)));
    worker.on("exit", (code) => fail(new Error(`fitInWorker: the training worker exited (code ${code}) before training finished`)));
  });
}
