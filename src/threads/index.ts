// Starting threads: what the platform allows, how many, and the shared memory the kernels and
// workers run over. init({ threads }) in wasm.ts calls startThreads; runtime.ts builds the
// Parallel dispatcher from what it returns.
import { availableParallelism } from "#platform";
import { WASM_BASE64 } from "../generated/wasm-binary.js";
import { base64ToBytes } from "../serialize.js";
import { withSharedMemory } from "./module.js";
import { POLL_US_OWN_CORE, POLL_US_SHARED, Pool } from "./pool.js";
import { THREAD_KERNELS } from "./parallel.js";

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
 * where every thread has a core of its own.
 */
export async function startThreads(threads: number, timeoutMs?: number): Promise<{ exports: WebAssembly.Exports; pool: Pool }> {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const module = await WebAssembly.compile(withSharedMemory(base64ToBytes(WASM_BASE64), MAX_PAGES) as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const poll = threads <= (await availableCores()) ? POLL_US_OWN_CORE : POLL_US_SHARED;
  const pool = await Pool.start(threads - 1, module, memory, THREAD_KERNELS, timeoutMs, poll);
  return { exports: instance.exports, pool };
}

export { Parallel, THREAD_KERNELS, type Form, type ElementwiseKernel } from "./parallel.js";
export { Pool, ThreadError } from "./pool.js";
export { splitElements, splitMatmul, type Tile } from "./split.js";
