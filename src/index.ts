// wasmlp: fast small multilayer perceptrons on SIMD WebAssembly. The float64 reference and
// gradCheck are in wasmlp/reference, the data readers in wasmlp/data, so that this entry (the
// browser bundle) carries only what inference and training need.
export { init, simdFeatures, simdSupported, type InitOptions, type SimdFeatures, type SimdMode, type WasmSource } from "./wasm.js";
export { Network } from "./network.js";
export { Layer } from "./layer.js";
export { QuantizedNetwork, QUANTIZED_FORMAT, type QuantizeOptions, type QuantizedModelJSON } from "./quantize.js";
export { MODEL_FORMAT, MODEL_VERSION } from "./model-file.js";
export { FeatureSpec, type FeaturesJSON, type Prediction } from "./features.js";
export type {
  Batch,
  EpochLogs,
  FitOptions,
  Gradients,
  History,
  Labels,
  ModelJSON,
  NetworkOptions,
} from "./types.js";
export { memoryStats, threadCount } from "./runtime.js";
export { ThreadError } from "./threads/error.js";
export { ExportOmissionError } from "./validate.js";
export { fitInWorker, type WorkerFitOptions } from "./threads/fit-worker.js";
export type { HeapStats } from "./memory.js";
export { HIDDEN_ACTIVATIONS } from "./activations.js";
export {
  ACTIVATIONS,
  LOSSES,
  OPTIMIZERS,
  type Activation,
  type LayerOptions,
  type Loss,
  type OptimizerOptions,
  type OptimizerSpec,
} from "./config.js";
