// Shared test helpers: seeded data, regions in linear memory, and tolerances derived from
// the op (a length-k reduction in float32 errs by about k·ε·max|a|·max|b|).
import { expect } from "vitest";
import { init } from "../src/index.js";
import { F32Region } from "../src/memory.js";
import { Random } from "../src/random.js";
import { type Runtime, runtime } from "../src/runtime.js";

/** float32 unit roundoff. */
export const EPS32 = 2 ** -24;

/** Sizes that cover 1, around the SIMD width (4) and the register tile (4×8), and odd shapes. */
export const EDGE_SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 33, 45, 65];

export async function setup(): Promise<Runtime> {
  await init();
  return runtime();
}

export function randomArray(rng: Random, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.symmetric(scale);
  return out;
}

/** Words written right after every test region's last float; a kernel writing past its output overwrites them. */
export const CANARY_WORDS = 16;
// A small negative float32, not NaN: NaN payloads survive arithmetic, while relu, tanh,
// sigmoid, adding a bias or copying anything over it all change these bits.
const CANARY = new Uint32Array(Float32Array.of(-0.0123456789).buffer)[0];

/**
 * n floats of linear memory followed directly by CANARY_WORDS canary words. dispose() (and
 * checkCanary()) fail the test if any canary changed: a tail overrun by any kernel is caught
 * even where the allocator's 64-byte rounding would have hidden it.
 */
export class TestRegion {
  private readonly inner: F32Region;
  constructor(
    rt: Runtime,
    readonly length: number,
  ) {
    this.inner = new F32Region(rt.heap, length + CANARY_WORDS);
    new Uint32Array(this.inner.view.buffer, this.inner.ptr + 4 * length, CANARY_WORDS).fill(CANARY);
  }
  get ptr(): number {
    return this.inner.ptr;
  }
  get view(): Float32Array {
    return this.inner.view.subarray(0, this.length);
  }
  copy(count = this.length): Float32Array {
    return this.view.slice(0, count);
  }
  checkCanary(): void {
    const words = new Uint32Array(this.inner.view.buffer, this.inner.ptr + 4 * this.length, CANARY_WORDS);
    const bad = words.findIndex((w) => w !== CANARY);
    if (bad >= 0) expect.fail(`a kernel wrote past the end of a ${this.length}-float region (canary word ${bad} is 0x${words[bad].toString(16)})`);
  }
  dispose(): void {
    this.checkCanary();
    this.inner.dispose();
  }
}

/** A region of linear memory holding `values` (or n zeros), guarded by canary words. Dispose when done. */
export function region(rt: Runtime, values: ArrayLike<number> | number): TestRegion {
  const n = typeof values === "number" ? values : values.length;
  const r = new TestRegion(rt, Math.max(n, 1));
  if (typeof values === "number") r.view.fill(0);
  else r.view.set(values);
  return r;
}

export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

/** Asserts |actual − expected| ≤ tol entrywise, reporting the worst entry. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label = ""): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  let worst = -1,
    err = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    if (!(e <= err)) {
      err = e;
      worst = i;
    }
  }
  if (!(err <= tol)) {
    expect.fail(`${label}: entry ${worst} is ${actual[worst]}, expected ${expected[worst]} (error ${err} > tolerance ${tol})`);
  }
}

/**
 * Asserts two float32 arrays (or their words) hold the same bits, NaN payloads and −0 included,
 * naming the first entry that differs: one pass, where toEqual on 100,000 entries took ~0.5 s.
 */
export function expectSameBits(actual: Float32Array | Uint32Array, expected: Float32Array | Uint32Array, label = ""): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  const words = (x: Float32Array | Uint32Array) => (x instanceof Uint32Array ? x : new Uint32Array(x.buffer, x.byteOffset, x.length));
  const [a, e] = [words(actual), words(expected)];
  const float = (w: number) => new Float32Array(Uint32Array.of(w).buffer)[0];
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i])
      expect.fail(`${label}: entry ${i} of ${e.length} is ${float(a[i])} (0x${a[i].toString(16)}), expected ${float(e[i])} (0x${e[i].toString(16)})`);
  }
}

export { Random };
