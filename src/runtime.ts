// The process-wide pieces every wasm network shares: the kernels, the one heap over their
// memory, the matmul packing workspace of the calling thread, and the dispatcher: the kernels
// themselves on one thread, or, after init({ threads }), the one the threads module built (this
// file never loads the threads module itself).
import { type Dispatcher, Serial } from "./dispatch.js";
import { Heap, type HeapStats } from "./memory.js";
import { type Kernels, kernels, threadsStarted } from "./wasm.js";

export interface Runtime {
  kernels: Kernels;
  heap: Heap;
  /** matmul_workspace_bytes() bytes for packing, used by the calling thread. */
  workspace: number;
  /** Matmuls and elementwise passes, split across threads when there are any and the work is large. */
  parallel: Dispatcher;
}

let current: Runtime | null = null;

export function runtime(): Runtime {
  if (!current) {
    const k = kernels();
    const heap = new Heap(k.memory, k.heap_base());
    const workspace = heap.alloc(k.matmul_workspace_bytes());
    const threads = threadsStarted();
    let parallel: Dispatcher = new Serial(k, workspace);
    if (threads) {
      const workspaces = [workspace];
      for (let w = 1; w < threads.threads; w++) workspaces.push(heap.alloc(k.matmul_workspace_bytes()));
      parallel = threads.dispatcher(k, workspaces);
    }
    current = { kernels: k, heap, workspace, parallel };
  }
  return current;
}

/** Threads sharing the work now: 1 without init({ threads }), or after threads failed. */
export function threadCount(): number {
  return current ? current.parallel.threads : (threadsStarted()?.threads ?? 1);
}

/** The allocator's counters: live bytes and regions, allocations so far, memory growths. */
export function memoryStats(): HeapStats {
  return runtime().heap.stats();
}
