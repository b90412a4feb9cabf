// The process-wide pieces every wasm network shares: the kernels, the one heap over their
// memory, and the matmul packing workspace (kernels are single-threaded, so one suffices).
import { Heap, type HeapStats } from "./memory.js";
import { type Kernels, kernels } from "./wasm.js";

export interface Runtime {
  kernels: Kernels;
  heap: Heap;
  /** matmul_workspace_bytes() bytes for packing. */
  workspace: number;
}

let current: Runtime | null = null;

export function runtime(): Runtime {
  if (!current) {
    const k = kernels();
    const heap = new Heap(k.memory, k.heap_base());
    current = { kernels: k, heap, workspace: heap.alloc(k.matmul_workspace_bytes()) };
  }
  return current;
}

/** The allocator's counters: live bytes and regions, allocations so far, memory growths. */
export function memoryStats(): HeapStats {
  return runtime().heap.stats();
}
