// The one allocator over the module's linear memory, and the views into it.
// Kernels never allocate: every buffer they touch is a region handed out here.

const ALIGN = 64; // a cache line: SIMD loads never straddle one at a region's start
const PAGE = 65536;
/**
 * Freed regions up to this size wait in exact-size bins (a stack each) instead of the ordered,
 * coalescing free list: the graph's scalars and small tensors come and go by the thousand, and
 * a list of thousands of small holes made every alloc and release scan it.
 */
const SMALL = 256;

/** Who asked for a buffer: the heap (wasm linear memory) or a reader decoding a file into JS memory. */
export type AllocationSource = "heap" | "reader";

/**
 * @internal Test hook: `request` sees the size in bytes of every region the heap is asked for and of
 * every buffer a reader makes for decoded data, before it is made. The reader fuzz tests set it to
 * check that no request exceeds the documented caps. null: no hook (the default).
 */
export const allocationHook: { request: ((bytes: number, source: AllocationSource) => void) | null } = { request: null };

/** A zeroed Float32Array of `length` values for a reader's decoded data (seen by allocationHook). */
export function readerFloat32(length: number): Float32Array {
  allocationHook.request?.(length * 4, "reader");
  return new Float32Array(length);
}

/** A zeroed Uint8Array of `length` bytes for a reader's file data (seen by allocationHook). */
export function readerBytes(length: number): Uint8Array {
  allocationHook.request?.(length, "reader");
  return new Uint8Array(length);
}

/** Counters a test or a curious user can read to see that a warm step allocates nothing. */
export interface HeapStats {
  /** Bytes currently handed out. */
  bytesInUse: number;
  /** Regions currently handed out. */
  liveRegions: number;
  /** alloc() calls since start. */
  allocations: number;
  /** Times linear memory grew. */
  grows: number;
  /** Current size of linear memory in bytes. */
  memoryBytes: number;
}

/**
 * First-fit allocator with a coalescing free list, plus exact-size bins for small regions,
 * above the module's static data.
 * Works the same on an exported or an imported (later: shared) WebAssembly.Memory.
 */
export class Heap {
  private top: number;
  /** Free blocks above SMALL (or carved from them), ordered by address, neighbours merged. */
  private readonly free: { ptr: number; size: number }[] = [];
  /** Freed blocks of each small size (64, 128, … SMALL bytes). */
  private readonly bins = new Map<number, number[]>();
  /**
   * Size of the region at each address handed out, 0 once released. Entries are zeroed, never
   * deleted: addresses recur (bins hand the same ones out again), and V8's Map rehashes on
   * churn, which made alloc/release ten times dearer with many live regions (bench/LOG.md).
   */
  private readonly sizes = new Map<number, number>();
  private live = 0;
  private counters = { allocations: 0, grows: 0, bytesInUse: 0 };
  /** Test hook: allocations left before one fails (null: never). */
  private failIn: number | null = null;

  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = roundUp(base, ALIGN);
  }

  /** A region of at least `bytes` bytes, aligned to 64; grows memory when needed. */
  alloc(bytes: number): number {
    allocationHook.request?.(bytes, "heap");
    if (this.failIn !== null && this.failIn-- <= 0) {
      this.failIn = null;
      throw new RangeError(`injected allocation failure (${bytes} bytes)`);
    }
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    let ptr = size <= SMALL ? (this.bins.get(size)?.pop() ?? -1) : -1;
    for (let i = 0; ptr < 0 && i < this.free.length; i++) {
      const block = this.free[i];
      if (block.size >= size) {
        ptr = block.ptr;
        if (block.size === size) this.free.splice(i, 1);
        else {
          block.ptr += size;
          block.size -= size;
        }
        break;
      }
    }
    if (ptr < 0) {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top = ptr + size;
    }
    this.sizes.set(ptr, size);
    this.live++;
    this.counters.allocations++;
    this.counters.bytesInUse += size;
    return ptr;
  }

  /** Returns a region; neighbours merge so that a larger request can reuse them. */
  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (!size) throw new Error(`wasmlp internal error: release of unknown region ${ptr}`);
    this.sizes.set(ptr, 0);
    this.live--;
    this.counters.bytesInUse -= size;
    if (size <= SMALL) {
      let bin = this.bins.get(size);
      if (!bin) this.bins.set(size, (bin = []));
      bin.push(ptr);
      return;
    }
    // Binary search for the block's place in the address-ordered list.
    let i = 0,
      hi = this.free.length;
    while (i < hi) {
      const mid = (i + hi) >>> 1;
      if (this.free[mid].ptr < ptr) i = mid + 1;
      else hi = mid;
    }
    this.free.splice(i, 0, { ptr, size });
    const next = this.free[i + 1];
    if (next && ptr + size === next.ptr) {
      this.free[i].size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += this.free[i].size;
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.size === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }

  /**
   * @internal Test hook: the allocation after the next `n` succeeds throws a RangeError, as a
   * failed Memory.grow() would (n = 0: the very next one); null cancels. One failure per call.
   */
  failAfter(n: number | null): void {
    this.failIn = n;
  }

  stats(): HeapStats {
    return { ...this.counters, liveRegions: this.live, memoryBytes: this.memory.buffer.byteLength };
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow by at least half again, so a run of growing batches costs few grows.
    const pages = Math.max(Math.ceil((end - have) / PAGE), Math.ceil(have / PAGE / 2));
    this.memory.grow(pages);
    this.counters.grows++;
  }
}

/**
 * A float32 region of the heap. `view` is refreshed whenever memory has grown
 * (growth detaches the old ArrayBuffer), so callers never hold a stale view.
 */
export class F32Region {
  private cached: Float32Array | null = null;
  private disposed = false;
  private readonly address: number;

  constructor(
    private readonly heap: Heap,
    readonly length: number,
  ) {
    this.address = heap.alloc(length * 4);
  }

  /** The region's address; reading it after dispose() throws, so no kernel gets a freed pointer. */
  get ptr(): number {
    if (this.disposed) throw released();
    return this.address;
  }

  get view(): Float32Array {
    if (this.disposed) throw released();
    const buffer = this.heap.memory.buffer;
    if (!this.cached || this.cached.buffer !== buffer) this.cached = new Float32Array(buffer, this.ptr, this.length);
    return this.cached;
  }

  /** The first `count` floats, as a fresh copy the caller owns. */
  copy(count = this.length): Float32Array {
    return this.view.slice(0, count);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cached = null;
    this.heap.release(this.address);
  }
}

function released(): Error {
  return new Error("wasmlp internal error: a region was used after it was released");
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
