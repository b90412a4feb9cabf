// The program of fitInWorker's worker thread (see fit-worker.ts).
import { parentPort, workerData } from "node:worker_threads";
import { Network } from "../network.js";
import { init } from "../wasm.js";
import type { FitMessage } from "./fit-worker.js";

const { model, x, y, options, threads, simd, wantsBatches, wantsEpochs } = workerData;
const answer: Int32Array = workerData.answer;
const post = (m: FitMessage, transfer?: ArrayBuffer[]) => parentPort!.postMessage(m, transfer);
try {
  await init({ threads: threads ?? 1, simd: simd ?? "plain" });
  const net = Network.fromJSON(model);
  const history = net.fit(x, y, {
    ...options,
    onBatchEnd: wantsBatches ? (batch, logs) => post({ type: "batch", batch, logs }) : undefined,
    onEpochEnd: wantsEpochs
      ? (epoch, logs) => {
          Atomics.store(answer, 0, 0);
          post({ type: "epoch", epoch, logs });
          Atomics.wait(answer, 0, 0);
          return Atomics.load(answer, 0) !== 2;
        }
      : undefined,
  });
  // A checkpoint: weights, optimizer state and step count, epochs done and shuffle state, so that
  // the calling thread's network continues exactly where the worker stopped.
  post({ type: "done", history, model: net.toJSON({ includeOptimizerState: true }) });
  net.dispose();
} catch (e) {
  const error = e instanceof Error ? e : new Error(String(e));
  post({ type: "error", name: error.name, message: error.message });
}
