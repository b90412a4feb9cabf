// Higher-order gradients: every op of the table differentiated twice. For each case, the
// Hessian-vector product H·v of L = Σ op(x…) ∘ R, by nested gradient functions (the inner backward
// pass recorded as graph ops), against central differences of the first derivatives along v, in
// float64; and float32 against float64. Then grad(grad(f)), backward({ createGraph }) and memory.
import { beforeAll, expect, test } from "vitest";
import { init, memoryStats } from "wasmlp";
import * as g from "wasmlp/graph";
import { type Tensor, grad, grads, tensor, tidy, variable } from "wasmlp/graph";
import { Random, expectClose, randomArray } from "../helpers.js";
import { CASES, type Case, type Op } from "./cases.js";

beforeAll(async () => {
  await init();
});

const bytes = (): number => memoryStats().bytesInUse;

function scalarOf(c: Case, weights: Float32Array): Op {
  return (...xs) => {
    const y = c.op(...xs);
    const r = tensor(weights.subarray(0, y.size), [...y.shape], { dtype: y.dtype });
    return g.sum(g.mul(y, r));
  };
}

/** H·v by reverse-over-reverse: the gradient of ⟨∇L(x), v⟩. */
function hessianVector(f: Op, xs: Tensor[], vs: Tensor[]): Tensor[] {
  return grads((...ys) => {
    const first = grads(f)(...ys);
    return first.map((d, i) => g.sum(g.mul(d, vs[i]))).reduce((a, b) => g.add(a, b));
  })(...xs);
}

for (const c of CASES.filter((c) => !c.stops)) {
  test(`${c.name} ${c.shapes.map((s) => `[${s}]`).join(" ")}: Hessian·v = differences of gradients; float32 = float64`, () => {
    const rng = new Random(c.name.length * 977 + c.shapes.flat().reduce((a, b) => a + b, 3));
    const xs = c.shapes.map((s, i) =>
      randomArray(
        rng,
        s.reduce((a, b) => a * b, 1),
        2,
      ).map((v) => c.domain?.(v, i) ?? v),
    );
    const vs = c.shapes.map((s) =>
      randomArray(
        rng,
        s.reduce((a, b) => a * b, 1),
        1,
      ),
    );
    const f = scalarOf(c, randomArray(rng, 256, 1));
    const start = bytes();
    const hv = (dtype: "float32" | "float64") =>
      tidy(() => {
        const t = (a: ArrayLike<number>, i: number) => tensor(a, c.shapes[i], { dtype });
        return hessianVector(f, xs.map(t), vs.map(t)).map((h) => h.data());
      });
    const h64 = hv("float64"),
      h32 = hv("float32");
    // Central differences of the float64 gradient along v: O(h²) plus rounding 1e-16/h.
    const h = 1e-5;
    const gradAt = (delta: number) =>
      tidy(() =>
        grads(f)(
          ...xs.map((x, i) =>
            tensor(
              Float64Array.from(x, (v, j) => v + delta * vs[i][j]),
              c.shapes[i],
              { dtype: "float64" },
            ),
          ),
        ).map((d) => d.data()),
      );
    const [plus, minus] = [gradAt(h), gradAt(-h)];
    h64.forEach((got, i) => {
      const fd = Array.from(plus[i], (p, j) => (p - minus[i][j]) / (2 * h));
      expectClose(got, fd, 1e-6 * Math.max(1, ...fd.map(Math.abs)), `H·v of input ${i} vs differences of gradients`);
      expectClose(h32[i], got, 1e-4 * Math.max(1, ...Array.from(got, Math.abs)), `float32 H·v of input ${i}`);
    });
    expect(bytes()).toBe(start);
  });
}

test("grad(grad(x ↦ x³))(2) is 12, and a third derivative is 6", () => {
  const start = bytes();
  const x = tensor(2);
  const cube = (t: Tensor) => g.pow(t, 3);
  const d2 = grad(grad(cube))(x);
  expect(d2.item()).toBe(12);
  const d3 = grad(grad(grad(cube)))(x);
  expect(d3.item()).toBe(6);
  // The same through the method form and a product (two routes at every order).
  const viaMul = grad(grad((t: Tensor) => t.mul(t).mul(t)))(x);
  expect(viaMul.item()).toBe(12);
  [x, d2, d3, viaMul].forEach((t) => t.dispose());
  expect(bytes()).toBe(start);
});

test("backward({ createGraph: true }) stores gradients that differentiate again (a gradient penalty)", () => {
  const start = bytes();
  const w = variable([0.5, -1, 2]);
  // L = Σ w³, dL/dw = 3w²; then P = Σ (dL/dw)² = 9 Σ w⁴, dP/dw = 36 w³.
  tidy(() => g.sum(g.pow(w, 3)).backward(null, { createGraph: true }));
  const first = w.grad!;
  expect(first.requiresGrad).toBe(true);
  expectClose(first.data(), [0.75, 3, 12], 1e-6, "3w²");
  w.zeroGrad();
  tidy(() => {
    const l = g.sum(g.pow(w, 3));
    l.backward(null, { createGraph: true });
    const penalty = g.sum(g.square(w.grad!));
    w.zeroGrad();
    penalty.backward();
  });
  expectClose(
    w.grad!.data(),
    [0.5, -1, 2].map((v) => 36 * v ** 3),
    1e-5,
    "36w³",
  );
  w.dispose();
  expect(bytes()).toBe(start);
});

test("the activations' second derivatives at points the tables name (float64, exact formulas)", () => {
  const z = [-1.3, -0.4, 0.6, 1.7];
  const s = (v: number) => 1 / (1 + Math.exp(-v));
  const phi = (v: number) => Math.exp((-v * v) / 2) / Math.sqrt(2 * Math.PI);
  const expected: Record<string, (v: number) => number> = {
    sigmoid: (v) => s(v) * (1 - s(v)) * (1 - 2 * s(v)),
    tanh: (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2),
    softplus: (v) => s(v) * (1 - s(v)),
    swish: (v) => s(v) * (1 - s(v)) * (2 + v * (1 - 2 * s(v))),
    gelu: (v) => phi(v) * (2 - v * v),
    elu: (v) => (v > 0 ? 0 : Math.exp(v)),
    softsign: (v) => (-2 * Math.sign(v)) / (1 + Math.abs(v)) ** 3,
  };
  for (const [act, d2] of Object.entries(expected)) {
    const got = tidy(() => grad((x) => g.sum(grad((y) => g.sum(g.activation(y, act as "tanh")))(x)))(tensor(z, undefined, { dtype: "float64" })).data());
    expectClose(got, z.map(d2), 1e-12, `${act}″`);
  }
});
