// The only file that knows how the WebAssembly module is found and instantiated.
import { instantiate } from "@assemblyscript/loader";
import { WASM_BASE64 } from "./generated/wasm-binary.js";
import { base64ToBytes } from "./serialize.js";
import type { Pool } from "./threads/pool.js";
import { checkKeys, checkNumber } from "./validate.js";

/** The raw kernel exports: pointers and sizes in, nothing allocated (see assembly/README.md). */
export interface Kernels {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  matmul_workspace_bytes(): number;
  matmul_nn(m: number, n: number, k: number, a: number, b: number, c: number, work: number, accumulate: number): void;
  matmul_nt(m: number, n: number, k: number, a: number, b: number, c: number, work: number, accumulate: number): void;
  matmul_tn(m: number, n: number, k: number, a: number, b: number, c: number, work: number, accumulate: number): void;
  /** Z = act(A·Wᵀ + bias), no packing; act codes: the epilogue field of src/activations.ts. */
  dense_nt_forward(m: number, n: number, k: number, a: number, w: number, bias: number, z: number, act: number, alpha: number): void;
  /** C = act(A·Bᵀ + bias): matmul_nt with bias and activation fused into its store (same act codes). */
  matmul_nt_forward(m: number, n: number, k: number, a: number, b: number, bias: number, c: number, work: number, act: number, alpha: number): void;
  /** Floats of a packed B (n×k) for matmul_nt_forward_packed; pack_bt packs it. */
  packed_bt_floats(n: number, k: number): number;
  pack_bt(n: number, k: number, b: number, packed: number): void;
  /** matmul_nt_forward with B packed once by pack_bt (m ≥ 4): the same bits. */
  matmul_nt_forward_packed(m: number, n: number, k: number, a: number, packed: number, bias: number, c: number, work: number, act: number, alpha: number): void;
  /** Sub-blocks of a product (row strides in floats), for threads; aMode 0/1/2: A packed block by block, whole and kept, or kept by this thread's previous call (see assembly/gemm.ts). */
  matmul_strided_nn(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, work: number, accumulate: number, aMode: number): void;
  matmul_strided_nt(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, work: number, accumulate: number, aMode: number): void;
  matmul_strided_tn(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, work: number, accumulate: number, aMode: number): void;
  /** matmul_nt_forward on a sub-block (strides in floats; bias at the block's first column): a thread's part of a layer's output. */
  matmul_strided_nt_forward(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, work: number, bias: number, act: number, alpha: number, aMode: number): void;
  add_bias(m: number, n: number, bias: number, x: number): void;
  sum_cols(m: number, n: number, x: number, out: number, scale: number, accumulate: number): void;
  sum_rows(m: number, n: number, x: number, out: number, scale: number): void;
  max_abs(n: number, x: number): number;
  sigmoid_forward(n: number, z: number, a: number): void;
  sigmoid_backward(n: number, a: number, da: number, dz: number): void;
  tanh_forward(n: number, z: number, a: number): void;
  tanh_backward(n: number, a: number, da: number, dz: number): void;
  relu_forward(n: number, z: number, a: number): void;
  relu_backward(n: number, a: number, da: number, dz: number): void;
  leaky_relu_forward(n: number, z: number, a: number, alpha: number): void;
  leaky_relu_backward(n: number, a: number, da: number, dz: number, alpha: number): void;
  elu_forward(n: number, z: number, a: number): void;
  elu_backward(n: number, a: number, da: number, dz: number): void;
  selu_forward(n: number, z: number, a: number): void;
  selu_backward(n: number, a: number, da: number, dz: number): void;
  softsign_forward(n: number, z: number, a: number): void;
  softsign_backward(n: number, a: number, da: number, dz: number): void;
  hard_sigmoid_forward(n: number, z: number, a: number): void;
  hard_sigmoid_backward(n: number, a: number, da: number, dz: number): void;
  softplus_forward(n: number, z: number, a: number): void;
  softplus_backward(n: number, a: number, da: number, dz: number): void;
  /** swish and gelu: their backward kernels read the forward's input z (not its output). */
  swish_forward(n: number, z: number, a: number): void;
  swish_backward(n: number, z: number, da: number, dz: number): void;
  gelu_forward(n: number, z: number, a: number): void;
  gelu_backward(n: number, z: number, da: number, dz: number): void;
  softmax_forward(m: number, n: number, z: number, a: number): void;
  softmax_backward(m: number, n: number, a: number, da: number, dz: number): void;
  /** The graph's elementwise ops with broadcasting (op codes in src/graph/backend.ts). */
  elementwise_binary(op: number, rows: number, cols: number, a: number, aRow: number, aCol: number, b: number, bRow: number, bCol: number, out: number): void;
  elementwise_unary(op: number, n: number, x: number, out: number, p: number): void;
  elementwise_select(rows: number, cols: number, c: number, cRow: number, cCol: number, a: number, aRow: number, aCol: number, b: number, bRow: number, bCol: number, out: number): void;
  transpose(rows: number, cols: number, x: number, out: number): void;
  bce_value(n: number, a: number, y: number): number;
  bce_grad(n: number, a: number, y: number, da: number, scale: number): void;
  cce_value(n: number, a: number, y: number): number;
  cce_grad(n: number, a: number, y: number, da: number, scale: number): void;
  mse_value(n: number, a: number, y: number): number;
  mse_grad(n: number, a: number, y: number, da: number, scale: number): void;
  mae_value(n: number, a: number, y: number): number;
  mae_grad(n: number, a: number, y: number, da: number, scale: number): void;
  huber_value(n: number, a: number, y: number, delta: number): number;
  huber_grad(n: number, a: number, y: number, da: number, scale: number, delta: number): void;
  hinge_value(n: number, a: number, y: number): number;
  hinge_grad(n: number, a: number, y: number, da: number, scale: number): void;
  sigmoid_bce_grad(n: number, a: number, y: number, dz: number, scale: number): void;
  softmax_cce_grad(n: number, a: number, y: number, dz: number, scale: number): void;
  sgd_step(n: number, g: number, w: number, lr: number): void;
  momentum_step(n: number, g: number, w: number, v: number, lr: number, momentum: number): void;
  adam_step(n: number, g: number, w: number, m: number, v: number, lr: number, oneMinusBeta1: number, oneMinusBeta2: number, epsilon: number, c1: number, c2: number): void;
  rmsprop_step(n: number, g: number, w: number, v: number, lr: number, oneMinusRho: number, epsilon: number): void;
  adagrad_step(n: number, g: number, w: number, acc: number, lr: number, epsilon: number): void;
  nesterov_step(n: number, g: number, w: number, v: number, lr: number, momentum: number): void;
  scale_step(n: number, w: number, factor: number): void;
  scale_rows(m: number, n: number, x: number, w: number): void;
  penalty_grad(n: number, w: number, g: number, l1: number, l2: number): void;
  penalty_value(n: number, w: number, l1: number, l2: number): number;
  dropout_forward(n: number, a: number, out: number, threshold: number, scale: number, seed: number): void;
  dropout_backward(n: number, d: number, threshold: number, scale: number, seed: number): void;
  clip_values(n: number, g: number, c: number): void;
  /** Normalization of z before the activation (assembly/normalization.ts); training is 0 or 1. */
  layer_norm_forward(m: number, n: number, z: number, gamma: number, beta: number, xhat: number, y: number, invstd: number, epsilon: number): void;
  layer_norm_backward(m: number, n: number, xhat: number, invstd: number, gamma: number, dy: number, dz: number, dgamma: number, dbeta: number): void;
  batch_norm_forward(m: number, n: number, z: number, gamma: number, beta: number, mean: number, variance: number, xhat: number, y: number, epsilon: number, training: number): void;
  batch_norm_backward(m: number, n: number, xhat: number, variance: number, gamma: number, dy: number, dz: number, dgamma: number, dbeta: number, epsilon: number, training: number): void;
  moving_average_step(n: number, x: number, avg: number, momentum: number): void;
  sum_squares(n: number, x: number): number;
}

/** Where the module's bytes may come from when the default location does not suit. */
export type WasmSource = string | URL | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/** init()'s options form. */
export interface InitOptions {
  /** Where the single-threaded module comes from (see WasmSource); the threads build is embedded. */
  source?: WasmSource;
  /**
   * Threads that share each large matmul, activation and optimizer pass: a number, or "auto" for
   * every core. Needs SharedArrayBuffer (in browsers, a cross-origin-isolated page); where it is
   * missing, wasmlp runs on one thread and says so once with console.warn. Default 1.
   */
  threads?: number | "auto";
  /**
   * Milliseconds a thread's part of a step may take, or a thread may go without taking up any
   * call, before the step fails and the threads are let go (default 60000).
   */
  threadTimeoutMs?: number;
}

let loaded: Kernels | null = null;
let loading: Promise<Kernels> | null = null;
let pool: Pool | null = null;
/** The threads option of the init() call that loaded the kernels. */
let firstRequest: number | "auto" | null = null;

/** The workers started by init({ threads }), or null on one thread. */
export function threadPool(): Pool | null {
  return pool;
}

const INIT_KEYS = ["source", "threads", "threadTimeoutMs"] as const;

function isInitOptions(x: unknown): x is InitOptions {
  return typeof x === "object" && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

async function resolveThreads(options: InitOptions): Promise<number> {
  const t = (options.threads ?? 1) as number | "auto";
  if (t === "auto") {
    const { availableCores } = await import("./threads/index.js");
    return Math.max(1, await availableCores());
  }
  return t; // checked in init()
}

async function resolveSource(source: WasmSource | undefined): Promise<WebAssembly.Module | BufferSource | Response> {
  if (source === undefined) return base64ToBytes(WASM_BASE64);
  if (source instanceof WebAssembly.Module || source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return source;
  if (typeof Response !== "undefined" && source instanceof Response) return source;
  if (typeof source !== "string" && !(source instanceof URL)) {
    throw new TypeError(`init() expected a URL, string, Response, ArrayBuffer, typed array or WebAssembly.Module, received ${Object.prototype.toString.call(source)}`);
  }
  const url = new URL(String(source), import.meta.url);
  if (url.protocol === "file:") {
    // Node's fetch does not read files; import lazily so browsers never see node: modules.
    const [{ readFile }, { fileURLToPath }] = await Promise.all([import("node:fs/promises"), import("node:url")]);
    return readFile(fileURLToPath(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`init() could not fetch ${url.href}: HTTP ${response.status}`);
  return response;
}

/**
 * Loads and instantiates the kernels once; later calls return the same instance.
 * With no argument it uses the module embedded in the package (no file to host or fetch);
 * a URL, Response, bytes or compiled module may be given instead.
 */
export function init(sourceOrOptions?: WasmSource | InitOptions): Promise<Kernels> {
  if (isInitOptions(sourceOrOptions)) {
    try {
      checkKeys("init()", sourceOrOptions, INIT_KEYS);
      const timeout = sourceOrOptions.threadTimeoutMs;
      // Atomics.wait and timers take at most 2^31 − 1 ms.
      if (timeout !== undefined) checkNumber("init() threadTimeoutMs", timeout, 0, 2 ** 31 - 1, true);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  if (isInitOptions(sourceOrOptions) && sourceOrOptions.threads !== "auto" && sourceOrOptions.threads !== undefined) {
    const t = sourceOrOptions.threads;
    if (typeof t !== "number") return Promise.reject(new TypeError(`init() expected threads to be a number or "auto", received ${typeof t}`));
    if (!Number.isInteger(t) || t < 1 || t > 256) return Promise.reject(new RangeError(`init() expected threads to be an integer from 1 to 256, received ${t}`));
  }
  const explicit = isInitOptions(sourceOrOptions) ? sourceOrOptions.threads : undefined;
  const requested = explicit ?? 1;
  if (loading && explicit !== undefined && firstRequest !== null && requested !== firstRequest) {
    // Never ignore a thread count silently: say which one is in force.
    console.warn(`wasmlp: init() already ran with threads: ${JSON.stringify(firstRequest)}; threads: ${JSON.stringify(requested)} is ignored (call init({ threads }) before anything else)`);
  }
  if (loaded) return Promise.resolve(loaded);
  firstRequest ??= requested;
  if (!loading) {
    loading = (async () => {
      if (!simdSupported()) {
        throw new Error("wasmlp needs WebAssembly with 128-bit SIMD; this runtime does not support it");
      }
      const options = isInitOptions(sourceOrOptions) ? sourceOrOptions : { source: sourceOrOptions };
      const source = options.source;
      const threads = await resolveThreads(options);
      if (threads > 1) {
        const threadsModule = await import("./threads/index.js");
        const why = threadsModule.threadsUnavailable();
        if (why) {
          console.warn(`wasmlp: running on 1 thread instead of ${threads}: ${why}`);
        } else {
          const started = await threadsModule.startThreads(threads, options.threadTimeoutMs);
          pool = started.pool;
          loaded = started.exports as unknown as Kernels;
          return loaded;
        }
      }
      const result = await instantiate<Record<string, unknown>>(await resolveSource(source));
      // The raw exports, not the loader's demangled wrappers: those add a rest-args call per kernel.
      loaded = result.instance.exports as unknown as Kernels;
      return loaded;
    })();
    loading.catch(() => { loading = null; firstRequest = null; });
  }
  return loading;
}

/** Whether this runtime has WebAssembly with 128-bit SIMD, which wasmlp needs. */
export function simdSupported(): boolean {
  return typeof WebAssembly === "object" && WebAssembly.validate(new Uint8Array(SIMD_PROBE));
}

/** The instantiated kernels; throws a clear error before init() has finished. */
export function kernels(): Kernels {
  if (!loaded) throw new Error("wasmlp is not initialised: call `await init()` before creating a Network");
  return loaded;
}

// A tiny module using v128 ops (i8x16.splat, i8x16.popcnt), as wasm-feature-detect probes SIMD.
const SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11];
