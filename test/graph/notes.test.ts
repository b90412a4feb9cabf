// The backprop notes' worked examples on the computation graph (../shared/notes/003 and 001),
// with their numbers: the sigmoid neuron, f(x, y) with forks, the multivariate chain rule, the
// gates, and the matrix-product gradient.
import { beforeAll, expect, test } from "vitest";
import { init, memoryStats } from "wasmlp";
import { add, div, exp, grads, matmul, max, mul, neg, pow, sigmoid, sum, tensor, tidy, valueAndGrads } from "wasmlp/graph";
import { matmul as refMatmul } from "../../src/reference/math.js";
import { Random, expectClose, randomArray } from "../helpers.js";

beforeAll(async () => {
  await init();
});

const round2 = (xs: ArrayLike<number>): number[] => Array.from(xs, (v) => Math.round(v * 100) / 100);
const DTYPES = ["float32", "float64"] as const;

for (const dtype of DTYPES) {
  test(`003 (${dtype}): the sigmoid neuron f = σ(w0·x0 + w1·x1 + w2) from elementary gates and from sigmoid, same numbers`, () => {
    const start = memoryStats().bytesInUse;
    // x extended with a 1 (through a selection matrix, so that x keeps its gradient), then σ(w·[x, 1]).
    const extended = (x: ReturnType<typeof tensor>) =>
      add(
        matmul(
          x.reshape([1, 2]),
          tensor(
            [
              [1, 0, 0],
              [0, 1, 0],
            ],
            undefined,
            { dtype },
          ),
        ),
        tensor([0, 0, 1], [3], { dtype }),
      );
    const bySigmoid = (w: ReturnType<typeof tensor>, x: ReturnType<typeof tensor>) => sigmoid(sum(mul(w, extended(x))));
    // From the gates: dot = w0·x0 + w1·x1 + w2, f = 1 / (1 + e^(−dot)).
    const byGates = (w: ReturnType<typeof tensor>, x: ReturnType<typeof tensor>) => {
      const [w0, w1, w2] = [0, 1, 2].map((i) =>
        mul(
          w,
          tensor(
            [0, 1, 2].map((j) => (j === i ? 1 : 0)),
            [3],
            { dtype },
          ),
        ).sum(),
      );
      const [x0, x1] = [0, 1].map((i) =>
        mul(
          x,
          tensor(
            [0, 1].map((j) => (j === i ? 1 : 0)),
            [2],
            { dtype },
          ),
        ).sum(),
      );
      const dot = add(add(mul(w0, x0), mul(w1, x1)), w2);
      return div(1, add(1, exp(neg(dot))));
    };
    for (const f of [byGates, bySigmoid]) {
      const out = tidy(() => {
        const {
          value,
          grads: [dw, dx],
        } = valueAndGrads(f)(tensor([2, -3, -3], [3], { dtype }), tensor([-1, -2], [2], { dtype }));
        return { f: value.item(), dw: dw.data(), dx: dx.data() };
      });
      expect(out.f).toBeCloseTo(0.73, 2);
      expect(round2(out.dx)).toEqual([0.39, -0.59]);
      expect(round2(out.dw)).toEqual([-0.2, -0.39, 0.2]);
    }
    expect(memoryStats().bytesInUse).toBe(start);
  });
}

/** The notes' staged backward pass of f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²), in float64. */
function notesBackward(x: number, y: number): { f: number; dx: number; dy: number } {
  const sigy = 1 / (1 + Math.exp(-y)),
    num = x + sigy,
    sigx = 1 / (1 + Math.exp(-x));
  const xpy = x + y,
    xpysqr = xpy ** 2,
    den = sigx + xpysqr,
    invden = 1 / den,
    f = num * invden;
  const dnum = invden,
    dinvden = num,
    dden = (-1 / den ** 2) * dinvden;
  const dsigx = dden,
    dxpysqr = dden,
    dxpy = 2 * xpy * dxpysqr;
  let dx = dxpy,
    dy = dxpy;
  dx += (1 - sigx) * sigx * dsigx;
  dx += dnum;
  const dsigy = dnum;
  dy += (1 - sigy) * sigy * dsigy;
  return { f, dx, dy };
}

const circuit = (x: ReturnType<typeof tensor>, y: ReturnType<typeof tensor>) => div(add(x, sigmoid(y)), add(sigmoid(x), pow(add(x, y), 2)));

for (const dtype of DTYPES) {
  test(`003 (${dtype}): f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²) at x = 3, y = −4: forks add, as the staged pass and finite differences`, () => {
    const expected = notesBackward(3, -4);
    const got = tidy(() => {
      const {
        value,
        grads: [dx, dy],
      } = valueAndGrads(circuit)(tensor(3, undefined, { dtype }), tensor(-4, undefined, { dtype }));
      return { f: value.item(), dx: dx.item(), dy: dy.item() };
    });
    const tol = dtype === "float64" ? 1e-12 : 1e-6;
    expect(Math.abs(got.f - expected.f)).toBeLessThan(tol);
    expect(Math.abs(got.dx - expected.dx)).toBeLessThan(tol);
    expect(Math.abs(got.dy - expected.dy)).toBeLessThan(tol);
    // Central differences in float64 on the same graph.
    const at = (x: number, y: number) => tidy(() => circuit(tensor(x, undefined, { dtype: "float64" }), tensor(y, undefined, { dtype: "float64" })).item());
    const h = 1e-6;
    expect(Math.abs(got.dx - (at(3 + h, -4) - at(3 - h, -4)) / (2 * h))).toBeLessThan(1e-6);
    expect(Math.abs(got.dy - (at(3, -4 + h) - at(3, -4 - h)) / (2 * h))).toBeLessThan(1e-6);
    // Every path matters: without the += at the forks dx would miss two of its three terms.
    expect(expected.dx).not.toBeCloseTo(1 / (1 + Math.exp(4)) / (1 / (1 + Math.exp(-3)) + 1), 3);
  });
}

test("001: the multivariate chain rule, d/dx f(g1(x), g2(x)) with f = 2·g1 + g2, g1 = x², g2 = x, is 4x + 1", () => {
  const df = grads((x) => add(mul(2, pow(x, 2)), x));
  for (const x of [-3, -0.5, 0, 1, 2.25, 10]) {
    const [d] = tidy(() => df(tensor(x)).map((t) => t.item()));
    expect(d).toBeCloseTo(4 * x + 1, 5);
  }
});

test("003: the add gate distributes, the multiply gate swaps, the max gate routes to the larger input", () => {
  const at = (f: Parameters<typeof grads>[0]) => tidy(() => grads(f)(tensor(3), tensor(-2)).map((t) => t.item()));
  expect(at((x, y) => add(x, y))).toEqual([1, 1]);
  expect(at((x, y) => mul(x, y))).toEqual([-2, 3]);
  expect(at((x, y) => max(x, y))).toEqual([1, 0]);
  expect(at((x, y) => max(y, x))).toEqual([1, 0]);
  expect(at((x, y) => max(x, pow(y, 2)))).toEqual([0, -4]);
  // On a tie the first input takes it all (the sum of the two routes is still g).
  expect(tidy(() => grads((x, y) => max(x, y))(tensor(2), tensor(2)).map((t) => t.item()))).toEqual([1, 0]);
  expect(at((x, y) => mul(max(x, y), 2))).toEqual([2, 0]);
});

test("003: D = W·X, dW = dD·Xᵀ and dX = Wᵀ·dD against the reference, shapes including 1 and odd sizes", () => {
  const rng = new Random(31);
  const start = memoryStats().bytesInUse;
  for (const [n, k, m] of [
    [5, 10, 3],
    [1, 1, 1],
    [1, 7, 1],
    [3, 1, 5],
    [9, 13, 17],
    [4, 33, 2],
  ]) {
    const w = randomArray(rng, n * k),
      x = randomArray(rng, k * m),
      dD = randomArray(rng, n * m);
    for (const dtype of DTYPES) {
      const got = tidy(() => {
        const W = tensor(w, [n, k], { dtype, requiresGrad: true }),
          X = tensor(x, [k, m], { dtype, requiresGrad: true });
        matmul(W, X).backward(tensor(dD, [n, m], { dtype }));
        return { dW: W.grad!.data(), dX: X.grad!.data() };
      });
      const dW = new Float64Array(n * k),
        dX = new Float64Array(k * m);
      refMatmul(false, true, n, k, m, dD, x, dW);
      refMatmul(true, false, k, m, n, w, dD, dX);
      const tol = dtype === "float64" ? 1e-12 : 4e-7 * Math.max(m, n);
      expectClose(got.dW, dW, tol, `dW ${n}×${k}·${k}×${m} ${dtype}`);
      expectClose(got.dX, dX, tol, `dX ${n}×${k}·${k}×${m} ${dtype}`);
    }
  }
  expect(memoryStats().bytesInUse).toBe(start);
});
