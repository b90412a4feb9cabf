// wasmlp: fast small multilayer perceptrons on SIMD WebAssembly.
export { init, simdSupported, type InitOptions, type WasmSource } from "./wasm.js";
export { Network } from "./network.js";
export { Layer } from "./layer.js";
export { MODEL_FORMAT, MODEL_VERSION } from "./model-file.js";
export type {
  Batch, EpochLogs, FitOptions, Gradients, History, Labels, ModelJSON, NetworkOptions,
} from "./types.js";
export { gradCheck, type GradCheckResult, type TensorCheck } from "./gradcheck.js";
export { memoryStats, threadCount } from "./runtime.js";
export { ThreadError } from "./threads/pool.js";
export { fitInWorker, type WorkerFitOptions } from "./threads/fit-worker.js";
export type { HeapStats } from "./memory.js";
export {
  ACTIVATIONS, LOSSES, OPTIMIZERS,
  type Activation, type LayerOptions, type Loss, type OptimizerOptions, type OptimizerSpec,
} from "./config.js";
export { pairImagesLabels, parseIdxImages, parseIdxLabels, type IdxImages, type LabelledImages } from "./data/idx.js";
export { FASHION_MNIST_CLASSES, holdOut, take } from "./data/fashion-mnist.js";
