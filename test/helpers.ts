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

/** A region of linear memory holding `values` (or n zeros). Dispose when done. */
export function region(rt: Runtime, values: ArrayLike<number> | number): F32Region {
  const n = typeof values === "number" ? values : values.length;
  const r = new F32Region(rt.heap, Math.max(n, 1));
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
  let worst = -1, err = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    if (!(e <= err)) { err = e; worst = i; }
  }
  if (!(err <= tol)) {
    expect.fail(`${label}: entry ${worst} is ${actual[worst]}, expected ${expected[worst]} (error ${err} > tolerance ${tol})`);
  }
}

export { Random };
