// How work is cut into parts for threads. Pure functions of the sizes and the part count, so
// the plan is fixed; no part is a reduction (every output element is written by exactly one
// part, with the same arithmetic as the undivided kernel), so results do not depend on it.
import { MAX_TILES } from "./protocol.js";

/** Rows of C below which the matmul kernels take their unpacked path: never split (assembly/gemm.ts SMALL_M). */
export const SMALL_M = 4;
/** Multiply-adds a matmul must have, per thread beyond the first, to be worth waking threads for (a wake costs ~10-30 µs). */
export const MIN_MATMUL_WORK = 1 << 19;
/**
 * Tiles per thread a shared matmul is cut into: threads take tiles as they come free, so a core
 * that runs slow (another program on it, a neighbour on a shared host) does fewer of them
 * instead of holding up the call. Column tiles (all of A each) pack A once per thread and job
 * (the kernels' aMode); row tiles pack their own rows. With that, 8 column tiles run the
 * 784-256 layer's forward and weight-gradient shapes as fast as one call on one thread, and more
 * tiles per thread were no faster than 4 on 2 threads (measured: bench/LOG.md, "Choices in the code").
 */
export const TILES_PER_THREAD = 4;
/** Multiply-adds a tile must have: each tile is a kernel call that packs its own block of A. */
export const MIN_TILE_WORK = 1 << 17;
/** Tiles one call may have (the size of the thread pool's job area). */
export { MAX_TILES };
/**
 * Elements per thread the cheapest elementwise passes (a load, an add or a max, a store:
 * sgd_step, max_abs, relu; 0.11–0.25 ns an element on one core) must have to be shared; dearer
 * kernels divide it by their cost class (ELEMENTWISE in parallel.ts). A part has at least a
 * TILES_PER_THREAD-th of it. Sharing a cheap pass costs the calling thread ~10 µs of waking and
 * waiting, more than it saves on small passes, yet it pays: the whole step runs faster when
 * they are shared, because each thread's part of the weights then stays in its cache for its
 * forward tiles (measured: bench/LOG.md, "Choices in the code").
 */
export const MIN_ELEMENTWISE = 1 << 15;

/** One part of a matmul: rows [row, row+rows) and columns [col, col+cols) of C. */
export interface Tile {
  row: number;
  rows: number;
  col: number;
  cols: number;
}

/**
 * Blocks of samples [start, end) for a kernel whose samples are independent (the int8 layers):
 * m rows of `work` multiply-adds each (weighted by the kernel's cost class), cut in multiples of
 * 8 rows (the int8 kernels' chunk) into up to TILES_PER_THREAD parts per thread of at least
 * MIN_TILE_WORK each; one part when the whole is below 2·MIN_MATMUL_WORK or there is one thread.
 */
export function splitRows(m: number, work: number, threads: number): [number, number][] {
  const units = Math.ceil(m / 8);
  const parts =
    threads <= 1 || m * work < 2 * MIN_MATMUL_WORK ? 1 : Math.min(threads * TILES_PER_THREAD, MAX_TILES, units, Math.floor((m * work) / MIN_TILE_WORK));
  const out: [number, number][] = [];
  for (let i = 0; i < Math.max(1, parts); i++) {
    const [a, b] = run(units, Math.max(1, parts), i);
    out.push([a * 8, Math.min(m, b * 8)]);
  }
  return out;
}

/** [start, end) of part `i` of `units` units cut into `parts` near-equal runs. */
function run(units: number, parts: number, i: number): [number, number] {
  return [Math.floor((i * units) / parts), Math.floor(((i + 1) * units) / parts)];
}

/**
 * Tiles of C(m×n) = op(A)·op(B) with depth k, for up to `threads` threads: up to
 * TILES_PER_THREAD per thread, each with at least MIN_TILE_WORK multiply-adds. Columns are cut in
 * multiples of 8 (the register tile's width) when there are enough, else rows in multiples of 4;
 * a product too small to pay for a wake, or with fewer than SMALL_M rows, is one tile.
 */
export function splitMatmul(m: number, n: number, k: number, threads: number): Tile[] {
  const whole: Tile[] = [{ row: 0, rows: m, col: 0, cols: n }];
  if (threads <= 1 || m < SMALL_M || m * n * k < 2 * MIN_MATMUL_WORK) return whole;
  const parts = Math.min(threads * TILES_PER_THREAD, MAX_TILES, Math.floor((m * n * k) / MIN_TILE_WORK));
  if (parts <= 1) return whole;
  const colUnits = Math.ceil(n / 8);
  const rowUnits = Math.floor(m / 4);
  const tiles: Tile[] = [];
  if (colUnits >= 2 * parts || colUnits >= rowUnits) {
    const p = Math.min(parts, colUnits);
    for (let i = 0; i < p; i++) {
      const [a, b] = run(colUnits, p, i);
      const col = a * 8;
      tiles.push({ row: 0, rows: m, col, cols: Math.min(n, b * 8) - col });
    }
  } else {
    // Rows in multiples of 4; the last part takes the remainder (so every part has ≥ 4 rows).
    const p = Math.min(parts, rowUnits);
    for (let i = 0; i < p; i++) {
      const [a, b] = run(rowUnits, p, i);
      const row = a * 4;
      tiles.push({ row, rows: (i === p - 1 ? m : b * 4) - row, col: 0, cols: n });
    }
  }
  return tiles;
}

/**
 * Parts [start, end) of an elementwise pass over `n` values, cut at multiples of 16 (64 bytes):
 * none below two threads' `perThread`, then up to TILES_PER_THREAD per thread (taken as threads
 * come free, like matmul tiles: a 784-256-128-10 step's Adam pass left the calling thread waiting
 * a third of its half for the worker's), each at least a TILES_PER_THREAD-th of `perThread`, and
 * at most MAX_TILES.
 */
export function splitElements(n: number, threads: number, perThread = MIN_ELEMENTWISE): [number, number][] {
  if (threads <= 1 || n < 2 * perThread) return [[0, n]];
  const parts = Math.min(threads * TILES_PER_THREAD, MAX_TILES, Math.floor((n * TILES_PER_THREAD) / perThread));
  const units = Math.ceil(n / 16);
  const out: [number, number][] = [];
  for (let i = 0; i < parts; i++) {
    const [a, b] = run(units, parts, i);
    out.push([a * 16, Math.min(n, b * 16)]);
  }
  return out;
}
