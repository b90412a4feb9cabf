// Starting threads: what the platform allows, how many, and the shared memory the kernels and
// workers run over. init({ threads }) in wasm.ts imports this module (only then) and calls
// startThreads; runtime.ts builds the dispatcher with what it returns.
import { availableParallelism } from "#platform";
import { WASM_BASE64 } from "../generated/wasm-binary.js";
import type { ThreadsStarted } from "../dispatch.js";
import type { Kernels } from "../kernels.js";
import { base64ToBytes } from "../serialize.js";
import { withSharedMemory } from "./module.js";
import { RELAXED_THREADED_SIGNATURES } from "../kernel-signatures.js";
import { Parallel, THREAD_SIGNATURES } from "./parallel.js";
import { POLL_US_OWN_CORE, POLL_US_SHARED, Pool } from "./pool.js";
import { spawnWorker } from "./spawn.js";

/** Pages (64 KiB) the shared memory may grow to: 2 GiB. A shared memory must declare its maximum. */
export const MAX_PAGES = 32768;

/** Why threads cannot run here, or null when they can. */
export function threadsUnavailable(): string | null {
  const isolation = "serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp";
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (g.crossOriginIsolated === false) return `the page is not cross-origin isolated (${isolation})`;
  if (typeof Atomics !== "object") return "this runtime has no Atomics";
  // Shared wasm memory, not the SharedArrayBuffer global, is what threads need: an engine may
  // offer one without the other (WebKitGTK's isolated pages have no SharedArrayBuffer global).
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return `this runtime has no shared WebAssembly memory (in a browser, the page must be cross-origin isolated: ${isolation})`;
  }
  const isNode = typeof process === "object" && typeof process.versions?.node === "string";
  if (!isNode) {
    if (typeof Worker !== "function") return "this context cannot start Web Workers";
    try {
      structuredClone(memory); // what postMessage does to hand the memory to a worker
    } catch (e) {
      return `this browser cannot pass shared WebAssembly memory to a worker (${(e as Error).name})${g.crossOriginIsolated ? ", although the page is cross-origin isolated" : ""}`;
    }
  }
  return null;
}

/** Cores the platform reports (navigator.hardwareConcurrency, or os.availableParallelism in Node). */
export async function availableCores(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  return availableParallelism() ?? 1;
}

/**
 * The threads build's kernels (derived from the embedded module, see module.ts) on this thread,
 * and `threads - 1` workers, over one new shared memory. Workers poll between a step's calls only
 * where every thread has a core of its own. `wasm`: the single-threaded build to derive the
 * threads' module from (the relaxed one after init({ simd })); default the embedded plain build.
 * The workers get the compiled module, so they run the same build as the calling thread.
 */
export async function startThreads(
  threads: number,
  timeoutMs?: number,
  wasm?: Uint8Array,
): Promise<ThreadsStarted & { exports: WebAssembly.Exports; pool: Pool }> {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const module = await WebAssembly.compile(withSharedMemory(wasm ?? base64ToBytes(WASM_BASE64), MAX_PAGES) as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const pollMicros = threads <= (await availableCores()) ? POLL_US_OWN_CORE : POLL_US_SHARED;
  const signatures = wasm ? new Map([...THREAD_SIGNATURES, ...Object.entries(RELAXED_THREADED_SIGNATURES)]) : THREAD_SIGNATURES;
  const pool = await Pool.start({ workers: threads - 1, signatures, local: instance.exports, module, memory, spawn: spawnWorker, timeoutMs, pollMicros });
  return {
    exports: instance.exports,
    pool,
    threads: pool.size + 1,
    dispatcher: (kernels: Kernels, workspaces: readonly number[]) => new Parallel(kernels, pool, workspaces),
  };
}

export { Parallel, THREAD_SIGNATURES, type ElementwiseKernel } from "./parallel.js";
export type { Form } from "../dispatch.js";
export { Pool, ThreadError } from "./pool.js";
export { splitElements, splitMatmul, type Tile } from "./split.js";
