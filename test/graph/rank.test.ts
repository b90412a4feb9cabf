// Tensors beyond rank 2: nested values in and out, batched matrix products on real-sized shapes
// (float32 wasm against float64, within the op's own rounding bound), the memory a batched
// product takes (its output, nothing per slice), and errors that name both shapes.
import { beforeAll, expect, test } from "vitest";
import { init, memoryStats } from "wasmlp";
import * as g from "wasmlp/graph";
import { noGrad, tensor, tidy } from "wasmlp/graph";
import { EPS32, Random, expectClose, randomArray } from "../helpers.js";

beforeAll(async () => {
  await init();
});

test("nested arrays of rank 3 and 4 make tensors, and toArray gives them back", () => {
  const v3 = [
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    [
      [7, 8],
      [9, 10],
      [11, 12],
    ],
  ];
  const v4 = [[[[1], [2]]], [[[3], [4]]]];
  tidy(() => {
    const t3 = tensor(v3),
      t4 = tensor(v4, undefined, { dtype: "float64" });
    expect(t3.shape).toEqual([2, 3, 2]);
    expect(t4.shape).toEqual([2, 1, 2, 1]);
    expect(t3.toArray()).toEqual(v3);
    expect(t4.toArray()).toEqual(v4);
    expect(g.zeros([2, 3, 4, 5]).sum().item()).toBe(0);
    expect(g.ones([1, 2, 1, 3, 1, 2]).shape).toEqual([1, 2, 1, 3, 1, 2]);
    expect(
      tensor(
        Float32Array.from({ length: 24 }, (_, i) => i),
        [2, 3, 4],
      ).toArray(),
    ).toEqual([
      [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9, 10, 11],
      ],
      [
        [12, 13, 14, 15],
        [16, 17, 18, 19],
        [20, 21, 22, 23],
      ],
    ]);
  });
  expect(() =>
    tensor([
      [[1, 2], [3]],
      [
        [4, 5],
        [6, 7],
      ],
    ]),
  ).toThrow("tensor values[0][1] is an array of length 1; every array at depth 2 must have 2 numbers like values[0][0]");
  expect(() =>
    tensor([
      [[1, 2]],
      [
        [3, 4],
        [5, 6],
      ],
    ]),
  ).toThrow("tensor values[1] is an array of length 2; every array at depth 1 must have 1 arrays like values[0]");
  expect(() => g.zeros([1, 1, 1, 1, 1, 1, 1])).toThrow("shape [1, 1, 1, 1, 1, 1, 1] has rank 7; tensors have rank 0 to 6");
});

test("batched matmul on real shapes: float32 equals float64 within k·ε, every transpose case and broadcast batch", () => {
  const rng = new Random(24);
  const cases: [number[], number[], boolean, boolean][] = [
    [[3, 17, 33], [3, 33, 9], false, false],
    [[2, 1, 5, 64], [4, 64, 12], false, false],
    [[4, 33, 17], [1, 33, 10], true, false],
    [[2, 3, 7, 45], [3, 13, 45], false, true],
    [[6, 45, 7], [6, 13, 45], true, true],
    [[8, 10, 65], [65, 31], false, false],
    [[65, 31], [5, 65, 3], true, false],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    const a = randomArray(
        rng,
        sa.reduce((x, y) => x * y, 1),
        1,
      ),
      b = randomArray(
        rng,
        sb.reduce((x, y) => x * y, 1),
        1,
      );
    const run = (dtype: "float32" | "float64") =>
      tidy(() => {
        const c = g.matmul(tensor(a, sa, { dtype }), tensor(b, sb, { dtype }), { transposeA: ta, transposeB: tb });
        return { shape: [...c.shape], values: c.data() };
      });
    const r32 = run("float32"),
      r64 = run("float64");
    expect(r32.shape).toEqual(r64.shape);
    const k = ta ? sa[sa.length - 2] : sa[sa.length - 1];
    expectClose(r32.values, r64.values, 2 * k * EPS32, `[${sa}]${ta ? "ᵀ" : ""}·[${sb}]${tb ? "ᵀ" : ""}`);
  }
});

test("a batched product takes its output's memory and nothing per slice; every op returns memory to its start", () => {
  const rng = new Random(3);
  const a = tensor(randomArray(rng, 16 * 5 * 7), [4, 4, 5, 7]),
    b = tensor(randomArray(rng, 4 * 7 * 6), [4, 1, 7, 6]);
  const bt = tensor(randomArray(rng, 4 * 7 * 6), [4, 1, 6, 7]);
  const start = memoryStats();
  noGrad(() => {
    const before = memoryStats().allocations;
    const c = g.matmul(a, b);
    expect(c.shape).toEqual([4, 4, 5, 6]);
    expect(memoryStats().allocations - before).toBe(1);
    c.dispose();
    // aᵀ·bᵀ goes through one scratch block for all 16 slices.
    const at = g.transpose(a, [0, 1, 3, 2]);
    const before2 = memoryStats().allocations;
    g.matmul(at, bt, { transposeA: true, transposeB: true }).dispose();
    expect(memoryStats().allocations - before2).toBe(2);
    at.dispose();
  });
  tidy(() => {
    const x = tensor(randomArray(rng, 2 * 3 * 4 * 5), [2, 3, 4, 5], { requiresGrad: true });
    const y = g.sum(g.mul(g.softmax(x, 1), g.logSoftmax(g.permute(x, [3, 1, 2, 0]), 0).permute([3, 1, 2, 0])));
    y.backward();
    expect(x.grad!.shape).toEqual([2, 3, 4, 5]);
    x.zeroGrad();
  });
  expect(memoryStats().bytesInUse).toBe(start.bytesInUse);
  [a, b, bt].forEach((t) => t.dispose());
});

test("errors name both shapes (broadcasting, batched matmul) and the axes that do not exist", () => {
  tidy(() => {
    const x = g.zeros([2, 3, 4]);
    expect(() => g.add(x, g.zeros([2, 5, 4]))).toThrow("add: shapes [2, 3, 4] and [2, 5, 4] do not broadcast (dimension 1: 3 vs 5; each must be equal or 1)");
    expect(() => g.matmul(g.zeros([2, 3, 4, 5]), g.zeros([4, 5, 6]))).toThrow(
      "matmul: the batch dimensions of [2, 3, 4, 5] and [4, 5, 6], [2, 3] and [4], do not broadcast (batch axis 1: 3 vs 4; each must be equal or 1)",
    );
    expect(() => g.matmul(x, g.zeros([2, 5, 6]))).toThrow("matmul: inner dimensions differ: [2, 3, 4] · [2, 5, 6] is (3 × 4) · (5 × 6)");
    expect(() => g.matmul(x, g.zeros([2, 5, 6]), { transposeA: true })).toThrow("matmul: inner dimensions differ: [2, 3, 4]ᵀ · [2, 5, 6] is (4 × 3) · (5 × 6)");
    expect(() => g.permute(x, [0, 1, 1])).toThrow(
      "permute: perm [0, 1, 1] is not an order of the 3 axes of a float32 tensor of shape [2, 3, 4]; expected each of 0 to 2 once",
    );
    expect(() => x.transpose([1, 0])).toThrow(/transpose: perm \[1, 0\] is not an order of the 3 axes/);
    expect(() => g.softmax(x, 3)).toThrow("softmax: axis 3 does not exist in a float32 tensor of shape [2, 3, 4]; axes are 0 to 2 (or negative from the end)");
    expect(() => g.logSoftmax(x, -4)).toThrow(/logSoftmax: axis -4 does not exist/);
    expect(() => g.sum(x, [0, 3])).toThrow(/sum: axis 3 does not exist in a float32 tensor of shape \[2, 3, 4\]/);
    expect(() => g.concat([x, g.zeros([2, 3])], 1)).toThrow(
      /concat: input 1 is a float32 tensor of shape \[2, 3\]; along axis 1 it must match input 0, a float32 tensor of shape \[2, 3, 4\]/,
    );
    expect(() => g.reshape(x, [5, -1])).toThrow("reshape: a float32 tensor of shape [2, 3, 4] has 24 values, which shape [5, -1] cannot hold");
  });
});

test("methods and functions agree on rank-4 tensors", () => {
  tidy(() => {
    const rng = new Random(11);
    const x = tensor(randomArray(rng, 2 * 3 * 2 * 5), [2, 3, 2, 5]);
    const w = tensor(randomArray(rng, 3 * 5 * 4), [3, 5, 4]);
    const pairs: [g.Tensor, g.Tensor][] = [
      [x.matmul(w), g.matmul(x, w)],
      [x.permute([0, 2, 1, 3]), g.transpose(x, [0, 2, 1, 3])],
      [x.transpose(), g.permute(x, [3, 2, 1, 0])],
      [x.softmax(2), g.softmaxAlong(x, 2)],
      [x.logSoftmax(1), g.logSoftmax(x, 1)],
      [x.sum([1, 3]), g.sum(x, { axis: [1, 3] })],
      [x.mean(-1), g.mean(x, 3)],
    ];
    for (const [m, f] of pairs) {
      expect(m.shape).toEqual(f.shape);
      expectClose(m.data(), f.data(), 0, "method = function");
    }
    // softmax along an axis sums to 1 along it.
    expectClose(g.sum(x.softmax(1), 1).data(), new Float32Array(20).fill(1), 1e-6, "softmax rows");
  });
});
