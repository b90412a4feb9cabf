// The only file that knows how the WebAssembly module is found and instantiated.
import { readFileUrl } from "#platform";
import { instantiate } from "@assemblyscript/loader";
import type { ThreadsStarted } from "./dispatch.js";
import { WASM_BASE64 } from "./generated/wasm-binary.js";
import type { Kernels, RelaxedKernels } from "./kernels.js";
import { base64ToBytes } from "./serialize.js";
import { checkKeys, checkNumber, checkOneOf } from "./validate.js";

export type { Kernels, RelaxedKernels } from "./kernels.js";

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
  /**
   * Which SIMD build runs the kernels: "plain" (default: 128-bit SIMD, the same bits on every
   * machine), "relaxed" (relaxed SIMD: fused multiply-adds in the float matmuls and a 7-bit int8
   * dot product; faster, last bits may differ between machines; see docs/inference.md) or "auto"
   * (relaxed where the engine runs it correctly, else plain, silently). Where "relaxed" cannot be
   * honoured wasmlp runs the plain build (or keeps the plain int8 kernels) and says so once with
   * console.warn. Node 20 needs --experimental-wasm-relaxed-simd; Chromium has it since 114.
   */
  simd?: SimdMode;
  /**
   * Where the relaxed build comes from when simd is "relaxed" or "auto" (a WasmSource; default
   * build/wasmlp.relaxed.wasm of the package, found beside the module through import.meta.url).
   */
  relaxedSource?: Exclude<WasmSource, WebAssembly.Module>;
}

/** init()'s simd option. */
export type SimdMode = "plain" | "relaxed" | "auto";

/** What simdFeatures() reports. */
export interface SimdFeatures {
  /** The build the kernels run: "plain" or "relaxed". */
  build: "plain" | "relaxed";
  /** Whether the float matmul and inference kernels use f32x4.relaxed_madd (true exactly when build is "relaxed"). */
  relaxedMadd: boolean;
  /** Whether int8 inference uses i32x4.relaxed_dot_i8x16_i7x16_add_s (the 7-bit scheme of docs/quantization.md); false keeps the plain int8 kernels. */
  relaxedDot: boolean;
}

const SIMD_MODES = ["plain", "relaxed", "auto"] as const;
let features: SimdFeatures = { build: "plain", relaxedMadd: false, relaxedDot: false };

/**
 * Which SIMD build init() loaded and which relaxed instruction families are in use (all false
 * before init() and with the plain build).
 */
export function simdFeatures(): SimdFeatures {
  return { ...features };
}

let loaded: Kernels | null = null;
let loading: Promise<Kernels> | null = null;
/** What init({ threads }) started: the thread count and how to build their dispatcher; null on one thread. */
let started: ThreadsStarted | null = null;
/** The threads option of the init() call that loaded the kernels. */
let firstRequest: number | "auto" | null = null;

/** The threads init({ threads }) started, or null on one thread. */
export function threadsStarted(): ThreadsStarted | null {
  return started;
}

const INIT_KEYS = ["source", "threads", "threadTimeoutMs", "simd", "relaxedSource"] as const;

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
    throw new TypeError(
      `init() expected a URL, string, Response, ArrayBuffer, typed array or WebAssembly.Module, received ${Object.prototype.toString.call(source)}`,
    );
  }
  // Through a variable: webpack reads `new URL(expression, import.meta.url)` as an asset it cannot find.
  const base = import.meta.url;
  const url = new URL(String(source), base);
  if (url.protocol === "file:") return readFileUrl(url);
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
      if (sourceOrOptions.simd !== undefined) checkOneOf("init() simd", sourceOrOptions.simd, SIMD_MODES);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  if (isInitOptions(sourceOrOptions) && sourceOrOptions.threads !== "auto" && sourceOrOptions.threads !== undefined) {
    const t = sourceOrOptions.threads;
    if (typeof t !== "number") return Promise.reject(new TypeError(`init() expected threads to be a number or "auto", received ${typeof t}`));
    if (!Number.isInteger(t) || t < 1 || t > 256)
      return Promise.reject(new RangeError(`init() expected threads to be an integer from 1 to 256, received ${t}`));
  }
  const explicit = isInitOptions(sourceOrOptions) ? sourceOrOptions.threads : undefined;
  const requested = explicit ?? 1;
  if (loading && explicit !== undefined && firstRequest !== null && requested !== firstRequest) {
    // Never ignore a thread count silently: say which one is in force.
    console.warn(
      `wasmlp: init() already ran with threads: ${JSON.stringify(firstRequest)}; threads: ${JSON.stringify(requested)} is ignored (call init({ threads }) before anything else)`,
    );
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
      const relaxed = options.simd === "relaxed" || options.simd === "auto" ? await loadRelaxed(options.simd, options.relaxedSource) : null;
      if (threads > 1) {
        const threadsModule = await import("./threads/index.js");
        const why = threadsModule.threadsUnavailable();
        if (why) {
          console.warn(`wasmlp: running on 1 thread instead of ${threads}: ${why}`);
        } else {
          const threaded = await threadsModule.startThreads(threads, options.threadTimeoutMs, relaxed?.bytes);
          started = threaded;
          loaded = threaded.exports as unknown as Kernels;
          if (relaxed) features = relaxed.features;
          return loaded;
        }
      }
      if (relaxed) {
        loaded = relaxed.instance.exports as unknown as Kernels;
        features = relaxed.features;
        return loaded;
      }
      const result = await instantiate<Record<string, unknown>>(await resolveSource(source));
      // The raw exports, not the loader's demangled wrappers: those add a rest-args call per kernel.
      loaded = result.instance.exports as unknown as Kernels;
      return loaded;
    })();
    loading.catch(() => {
      loading = null;
      firstRequest = null;
    });
  }
  return loading;
}

/** Whether this runtime has WebAssembly with 128-bit SIMD, which wasmlp needs. */
export function simdSupported(): boolean {
  return typeof WebAssembly === "object" && WebAssembly.validate(new Uint8Array(SIMD_PROBE));
}

/** The relaxed build's 7-bit int8 kernels when their instruction family passed its check, else null. */
export function relaxedKernels(): RelaxedKernels | null {
  return features.relaxedDot ? (kernels() as unknown as RelaxedKernels) : null;
}

/**
 * The relaxed build, instantiated and checked (src/relaxed.ts, imported only now: the bundle
 * leaves it a file of its own), or null for the plain build, with the one notice when "relaxed"
 * was asked explicitly. Its bytes go to the threads, which derive their module from them.
 */
async function loadRelaxed(
  mode: "relaxed" | "auto",
  source: Exclude<WasmSource, WebAssembly.Module> | undefined,
): Promise<{ bytes: Uint8Array; instance: WebAssembly.Instance; features: SimdFeatures } | null> {
  const relaxed = await import("./relaxed.js");
  const notice = (why: string) => {
    if (mode === "relaxed") console.warn(`wasmlp: simd: "relaxed" ${why}`);
  };
  if (!relaxed.relaxedSimdSupported()) return relaxed.unsupported(notice);
  const found = await resolveSource(source ?? new URL("../build/wasmlp.relaxed.wasm", import.meta.url));
  return relaxed.instantiateRelaxed(found, notice);
}

/** The instantiated kernels; throws a clear error before init() has finished. */
export function kernels(): Kernels {
  if (!loaded) throw new Error("wasmlp is not initialised: call `await init()` before creating a Network");
  return loaded;
}

// A tiny module using v128 ops (i8x16.splat, i8x16.popcnt), as wasm-feature-detect probes SIMD.
const SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11];
