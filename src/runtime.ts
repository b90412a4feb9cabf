// The process-wide pieces every wasm network shares: the kernels, the one heap over their
// memory, the matmul packing workspace of the calling thread, and the dispatcher that shares
// large passes with the workers started by init({ threads }) (one packing workspace each).
import { Heap, type HeapStats } from "./memory.js";
import { Parallel } from "./threads/parallel.js";
import { type Kernels, kernels, threadPool } from "./wasm.js";

export interface Runtime {
  kernels: Kernels;
  heap: Heap;
  /** matmul_workspace_bytes() bytes for packing, used by the calling thread. */
  workspace: number;
  /** Matmuls and elementwise passes, split across threads when there are any and the work is large. */
  parallel: Parallel;
}

let current: Runtime | null = null;

export function runtime(): Runtime {
  if (!current) {
    const k = kernels();
    const heap = new Heap(k.memory, k.heap_base());
    const pool = threadPool();
    const workspaces = [heap.alloc(k.matmul_workspace_bytes())];
    for (let w = 0; w < (pool?.size ?? 0); w++) workspaces.push(heap.alloc(k.matmul_workspace_bytes()));
    current = { kernels: k, heap, workspace: workspaces[0], parallel: new Parallel(k, pool, workspaces) };
  }
  return current;
}

/** Threads sharing the work now: 1 without init({ threads }), or after threads failed. */
export function threadCount(): number {
  return current ? current.parallel.threads : (threadPool()?.size ?? 0) + 1;
}

/** The allocator's counters: live bytes and regions, allocations so far, memory growths. */
export function memoryStats(): HeapStats {
  return runtime().heap.stats();
}
