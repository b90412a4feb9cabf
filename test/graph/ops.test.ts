// Every op of the graph's table: float32 (wasm) against float64 (reference) values and
// gradients, and float64 gradients against central finite differences, on random inputs,
// broadcasting included (shapes 1, odd and not multiples of 4).
import { beforeAll, expect, test } from "vitest";
import { init, memoryStats } from "wasmlp";
import * as g from "wasmlp/graph";
import { tensor, tidy, valueAndGrads } from "wasmlp/graph";
import { Random, expectClose, randomArray } from "../helpers.js";
import { CASES, type Case, OP_NAMES, type Op } from "./cases.js";

beforeAll(async () => {
  await init();
});

test("every op of the table has cases here", () => {
  const covered = new Set(CASES.map((c) => c.name.split(" ")[0]));
  expect(covered.has("abs") && covered.has("logSoftmax")).toBe(true);
  expect(OP_NAMES.filter((op) => !covered.has(op))).toEqual([]);
});

/** Random inputs of a case (plain float32-representable numbers). */
function inputs(c: Case, rng: Random): Float32Array[] {
  return c.shapes.map((s, i) =>
    randomArray(
      rng,
      s.reduce((a, b) => a * b, 1),
      2,
    ).map((v) => c.domain?.(v, i) ?? v),
  );
}

/** The scalar L = Σ op(x…) ∘ R for a fixed random R, so every output value gets its own weight. */
function scalarOf(c: Case, weights: Float32Array): Op {
  return (...xs) => {
    const y = c.op(...xs);
    const r = tensor(weights.subarray(0, y.size), [...y.shape], { dtype: y.dtype });
    return g.sum(g.mul(y, r));
  };
}

for (const c of CASES) {
  test(`${c.name} ${c.shapes.map((s) => `[${s}]`).join(" ")}: float32 = float64, float64 gradients = finite differences`, () => {
    const rng = new Random(c.name.length * 131 + c.shapes.flat().reduce((a, b) => a + b, 7));
    const xs = inputs(c, rng);
    const weights = randomArray(rng, 256, 1);
    const f = scalarOf(c, weights);
    const start = memoryStats().bytesInUse;
    const run = (dtype: "float32" | "float64") =>
      tidy(() => {
        const ts = xs.map((x, i) => tensor(x, c.shapes[i], { dtype }));
        const y = c.op(...ts);
        const { value, grads } = valueAndGrads(f)(...ts);
        return { y: y.data(), shape: [...y.shape], value: value.item(), grads: grads.map((t) => t.data()) };
      });
    const r32 = run("float32"),
      r64 = run("float64");
    expect(r32.shape).toEqual(r64.shape);
    const scale = Math.max(1, ...Array.from(r64.y, Math.abs));
    // Values: float32 rounding of sums up to length 13 and of the libm functions, relative to their size.
    expectClose(r32.y, r64.y, 2e-6 * scale * 13, "values");
    r32.grads.forEach((gr, i) => expectClose(gr, r64.grads[i], 2e-5 * Math.max(1, ...Array.from(r64.grads[i], Math.abs)), `float32 gradient ${i}`));
    // Central differences of the float64 function: error O(h²) plus rounding 1e-16/h.
    const h = 1e-5;
    xs.forEach((x, i) => {
      if (c.stops?.includes(i)) return expect(Array.from(r64.grads[i]).every((v) => v === 0)).toBe(true);
      const fd = Array.from(x, (_, j) => {
        const at = (delta: number) =>
          tidy(() => {
            const ts = xs.map((v, k) => {
              const w = Float64Array.from(v);
              if (k === i) w[j] += delta;
              return tensor(w, c.shapes[k], { dtype: "float64" });
            });
            return f(...ts).item();
          });
        return (at(h) - at(-h)) / (2 * h);
      });
      expectClose(r64.grads[i], fd, 1e-6 * Math.max(1, ...fd.map(Math.abs)), `gradient ${i} vs finite differences`);
    });
    expect(memoryStats().bytesInUse).toBe(start);
  });
}
