// Every op of the graph's table: float32 (wasm) against float64 (reference) values and
// gradients, and float64 gradients against central finite differences, on random inputs,
// broadcasting included (shapes 1, odd and not multiples of 4).
import { beforeAll, expect, test } from "vitest";
import { init, memoryStats } from "wasmlp";
import * as g from "wasmlp/graph";
import { type Tensor, tensor, tidy, valueAndGrads } from "wasmlp/graph";
import { Random, expectClose, randomArray } from "../helpers.js";

beforeAll(async () => { await init(); });

type Op = (...xs: Tensor[]) => Tensor;
interface Case {
  /** The op's name in graphOps, then what this case varies. */
  name: string;
  op: Op;
  shapes: number[][];
  /** Maps a random value in (−2, 2) into the op's domain (away from kinks and poles). */
  domain?: (v: number, input: number) => number;
}

const away = (v: number): number => Math.sign(v || 1) * (0.3 + Math.abs(v));
const positive = (v: number): number => 0.2 + Math.abs(v);
const BROADCASTS = [[[4, 5], [4, 5]], [[3, 7], [7]], [[3, 7], [1, 7]], [[6, 1], [6, 5]], [[5, 3], []], [[], [2, 9]], [[1], [5, 2]], [[3], [3, 1]]];

const CASES: Case[] = [
  ...(["add", "sub", "mul"] as const).flatMap((n) => BROADCASTS.map((shapes) => ({ name: n, op: g[n] as Op, shapes }))),
  ...BROADCASTS.map((shapes) => ({ name: "div", op: g.div as Op, shapes, domain: (v: number, i: number) => (i === 1 ? away(v) : v) })),
  // Distinct values: max/min route by comparison, so ties are kinks.
  ...(["max", "min"] as const).flatMap((n) => BROADCASTS.map((shapes) => ({ name: n, op: g[n] as Op, shapes, domain: (v: number, i: number) => v + 0.05 * i }))),
  { name: "neg", op: g.neg, shapes: [[3, 5]] },
  { name: "exp", op: g.exp, shapes: [[7]] },
  { name: "log", op: g.log, shapes: [[2, 9]], domain: positive },
  { name: "pow 2", op: (x) => g.pow(x, 2), shapes: [[5, 3]] },
  { name: "pow 3", op: (x) => g.pow(x, 3), shapes: [[1, 7]] },
  { name: "pow −1.5", op: (x) => g.pow(x, -1.5), shapes: [[4]], domain: positive },
  { name: "pow 0", op: (x) => g.pow(x, 0), shapes: [[3]] },
  { name: "sigmoid", op: g.sigmoid, shapes: [[5, 6]] },
  { name: "tanh", op: g.tanh, shapes: [[9]] },
  { name: "relu", op: g.relu, shapes: [[3, 11]], domain: away },
  { name: "softmax rows", op: g.softmax, shapes: [[4, 7]] },
  { name: "softmax vector", op: g.softmax, shapes: [[5]] },
  { name: "matmul", op: (a, b) => g.matmul(a, b), shapes: [[3, 5], [5, 7]] },
  { name: "matmul 1×1", op: (a, b) => g.matmul(a, b), shapes: [[1, 1], [1, 1]] },
  { name: "matmul a·bᵀ", op: (a, b) => g.matmul(a, b, { transposeB: true }), shapes: [[6, 9], [5, 9]] },
  { name: "matmul aᵀ·b", op: (a, b) => g.matmul(a, b, { transposeA: true }), shapes: [[9, 6], [9, 1]] },
  { name: "matmul aᵀ·bᵀ", op: (a, b) => g.matmul(a, b, { transposeA: true, transposeB: true }), shapes: [[5, 3], [7, 5]] },
  { name: "transpose", op: g.transpose, shapes: [[3, 5]] },
  { name: "transpose vector", op: g.transpose, shapes: [[5]] },
  { name: "reshape", op: (x) => g.reshape(x, [5, -1]), shapes: [[3, 5]] },
  // Composites (written with the table's ops).
  { name: "abs (composite)", op: g.abs, shapes: [[3, 7]], domain: away },
  { name: "sqrt (composite)", op: g.sqrt, shapes: [[9]], domain: positive },
  { name: "square (composite)", op: g.square, shapes: [[2, 5]] },
  { name: "clip (composite)", op: (x) => g.clip(x, -0.5, 0.7), shapes: [[4, 6]], domain: (v) => (Math.abs(v - 0.7) < 0.05 || Math.abs(v + 0.5) < 0.05 ? v + 0.2 : v) },
  { name: "logSoftmax rows (composite)", op: g.logSoftmax, shapes: [[5, 7]] },
  { name: "logSoftmax vector (composite)", op: g.logSoftmax, shapes: [[6]] },
  { name: "sum", op: (x) => g.sum(x), shapes: [[7, 3]] },
  { name: "sum axis 0", op: (x) => g.sum(x, 0), shapes: [[7, 3]] },
  { name: "sum axis 1 keepDims", op: (x) => g.sum(x, { axis: 1, keepDims: true }), shapes: [[7, 3]] },
  { name: "sum vector axis −1", op: (x) => g.sum(x, -1), shapes: [[6]] },
  { name: "mean", op: (x) => g.mean(x), shapes: [[5, 5]] },
  { name: "mean axis 0 keepDims", op: (x) => g.mean(x, { axis: 0, keepDims: true }), shapes: [[4, 9]] },
  { name: "mean axis 1", op: (x) => g.mean(x, 1), shapes: [[2, 13]] },
];

test("every op of the table has cases here", () => {
  const covered = new Set(CASES.map((c) => c.name.split(" ")[0]));
  expect(covered.has("abs") && covered.has("logSoftmax")).toBe(true);
  expect(Object.keys(g.graphOps).filter((op) => !covered.has(op))).toEqual([]);
});

/** Random inputs of a case (plain float32-representable numbers). */
function inputs(c: Case, rng: Random): Float32Array[] {
  return c.shapes.map((s, i) => randomArray(rng, s.reduce((a, b) => a * b, 1), 2).map((v) => c.domain?.(v, i) ?? v));
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
    const run = (dtype: "float32" | "float64") => tidy(() => {
      const ts = xs.map((x, i) => tensor(x, c.shapes[i], { dtype }));
      const y = c.op(...ts);
      const { value, grads } = valueAndGrads(f)(...ts);
      return { y: y.data(), shape: [...y.shape], value: value.item(), grads: grads.map((t) => t.data()) };
    });
    const r32 = run("float32"), r64 = run("float64");
    expect(r32.shape).toEqual(r64.shape);
    const scale = Math.max(1, ...Array.from(r64.y, Math.abs));
    // Values: float32 rounding of sums up to length 13 and of the libm functions, relative to their size.
    expectClose(r32.y, r64.y, 2e-6 * scale * 13, "values");
    r32.grads.forEach((gr, i) => expectClose(gr, r64.grads[i], 2e-5 * Math.max(1, ...Array.from(r64.grads[i], Math.abs)), `float32 gradient ${i}`));
    // Central differences of the float64 function: error O(h²) plus rounding 1e-16/h.
    const h = 1e-5;
    xs.forEach((x, i) => {
      const fd = Array.from(x, (_, j) => {
        const at = (delta: number) => tidy(() => {
          const ts = xs.map((v, k) => { const w = Float64Array.from(v); if (k === i) w[j] += delta; return tensor(w, c.shapes[k], { dtype: "float64" }); });
          return f(...ts).item();
        });
        return (at(h) - at(-h)) / (2 * h);
      });
      expectClose(r64.grads[i], fd, 1e-6 * Math.max(1, ...fd.map(Math.abs)), `gradient ${i} vs finite differences`);
    });
    expect(memoryStats().bytesInUse).toBe(start);
  });
}
