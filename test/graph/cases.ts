// The graph's ops as test cases: each op of the table (primitives, the Dense layers' activations,
// composites) on shapes that broadcast, are 1, odd and not multiples of 4, with the domain that
// keeps random inputs away from kinks and poles. ops.test.ts checks first derivatives of each,
// higher-order.test.ts second derivatives.
import type { Activation } from "../../src/activations.js";
import { identity, normalCdf } from "../../src/graph/ops.js";
import * as g from "wasmlp/graph";
import { type Tensor, tensor } from "wasmlp/graph";

export type Op = (...xs: Tensor[]) => Tensor;
export interface Case {
  /** The op's name in graphOps (or activationGraphOps), then what this case varies. */
  name: string;
  op: Op;
  shapes: number[][];
  /** Maps a random value in (−2, 2) into the op's domain (away from kinks and poles). */
  domain?: (v: number, input: number) => number;
  /** Inputs whose gradient is zero by definition (stop-gradient), where finite differences do not apply. */
  stops?: number[];
}

export const away = (v: number): number => Math.sign(v || 1) * (0.3 + Math.abs(v));
export const positive = (v: number): number => 0.2 + Math.abs(v);
const BROADCASTS_N = [
  [
    [2, 3, 5],
    [3, 1],
  ],
  [
    [2, 1, 4, 3],
    [1, 3, 1, 3],
  ],
  [
    [3, 1, 5],
    [1, 6, 1],
  ],
  [
    [2, 3, 2, 5],
    [2, 3, 2, 5],
  ],
  [[1, 2, 1, 3], []],
];
const BROADCASTS = [
  [
    [4, 5],
    [4, 5],
  ],
  [[3, 7], [7]],
  [
    [3, 7],
    [1, 7],
  ],
  [
    [6, 1],
    [6, 5],
  ],
  [[5, 3], []],
  [[], [2, 9]],
  [[1], [5, 2]],
  [[3], [3, 1]],
];

/** Where each activation is smooth enough to differentiate twice by finite differences. */
const ACTIVATION_DOMAINS: Partial<Record<Activation, (v: number) => number>> = {
  relu: away,
  "leaky-relu": away,
  elu: away,
  selu: away,
  softsign: away,
  // Kinks at ±3: stay inside (−2.5, 2.5).
  "hard-sigmoid": (v) => v * 1.2,
};

/** A fixed 0/1 condition of a shape, on x's dtype. */
const condition = (x: Tensor, shape: number[]): Tensor =>
  tensor(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0)),
    shape,
    { dtype: x.dtype },
  );

/** Rank 3 and 4: broadcasting, batched products, permutations, reductions and indexing along any axis. */
const RANK_N: Case[] = [
  ...(["add", "sub", "mul"] as const).flatMap((n) =>
    BROADCASTS_N.map((shapes) => ({ name: `${n} rank ${Math.max(...shapes.map((s) => s.length))}`, op: g[n] as Op, shapes })),
  ),
  { name: "div rank 4", op: g.div as Op, shapes: [[2, 3, 1, 5], [5]], domain: (v: number, i: number) => (i === 1 ? away(v) : v) },
  {
    name: "max rank 3",
    op: g.max as Op,
    shapes: [
      [2, 3, 5],
      [3, 1],
    ],
    domain: (v: number, i: number) => v + 0.05 * i,
  },
  {
    name: "min rank 4",
    op: g.min as Op,
    shapes: [
      [1, 3, 1, 5],
      [2, 1, 4, 1],
    ],
    domain: (v: number, i: number) => v + 0.05 * i,
  },
  {
    name: "powTensor rank 3",
    op: (a: Tensor, b: Tensor) => g.pow(a, b),
    shapes: [
      [2, 3, 5],
      [1, 5],
    ],
    domain: (v: number, i: number) => (i === 0 ? positive(v) : v),
  },
  {
    name: "where rank 3",
    op: (a, b) => g.where(condition(a, [2, 1, 3]), a, b),
    shapes: [
      [2, 5, 3],
      [5, 1],
    ],
  },
  { name: "sigmoid rank 3", op: g.sigmoid, shapes: [[2, 3, 5]] },
  { name: "tanh rank 4", op: g.tanh, shapes: [[2, 1, 3, 5]] },
  { name: "exp rank 4", op: g.exp, shapes: [[3, 1, 2, 3]] },
  {
    name: "matmul batched",
    op: (a, b) => g.matmul(a, b),
    shapes: [
      [2, 3, 5],
      [2, 5, 4],
    ],
  },
  {
    name: "matmul batch broadcast",
    op: (a, b) => g.matmul(a, b),
    shapes: [
      [2, 1, 3, 5],
      [3, 5, 2],
    ],
  },
  {
    name: "matmul rank 4·3",
    op: (a, b) => g.matmul(a, b),
    shapes: [
      [2, 3, 2, 5],
      [3, 5, 3],
    ],
  },
  {
    name: "matmul stack·matrix",
    op: (a, b) => g.matmul(a, b),
    shapes: [
      [2, 3, 5],
      [5, 7],
    ],
  },
  {
    name: "matmul stack·matrixᵀ",
    op: (a, b) => g.matmul(a, b, { transposeB: true }),
    shapes: [
      [2, 1, 3, 5],
      [6, 5],
    ],
  },
  {
    name: "matmul matrix·stack",
    op: (a, b) => g.matmul(a, b),
    shapes: [
      [3, 5],
      [2, 5, 7],
    ],
  },
  {
    name: "matmul batched aᵀ·b",
    op: (a, b) => g.matmul(a, b, { transposeA: true }),
    shapes: [
      [2, 5, 3],
      [1, 5, 4],
    ],
  },
  {
    name: "matmul batched a·bᵀ",
    op: (a, b) => g.matmul(a, b, { transposeB: true }),
    shapes: [
      [3, 2, 6],
      [3, 4, 6],
    ],
  },
  {
    name: "matmul batched aᵀ·bᵀ",
    op: (a, b) => g.matmul(a, b, { transposeA: true, transposeB: true }),
    shapes: [
      [2, 5, 3],
      [2, 7, 5],
    ],
  },
  {
    name: "matmul stackᵀ·matrix",
    op: (a, b) => g.matmul(a, b, { transposeA: true }),
    shapes: [
      [3, 5, 2],
      [5, 3],
    ],
  },
  { name: "matmul vector·stack", op: (a, b) => g.matmul(a, b), shapes: [[5], [2, 5, 3]] },
  { name: "matmul stack·vector", op: (a, b) => g.matmul(a, b), shapes: [[2, 1, 4, 6], [6]] },
  { name: "transpose rank 3 (reversed)", op: (x) => g.transpose(x), shapes: [[2, 3, 5]] },
  { name: "transpose [0, 2, 1]", op: (x) => g.transpose(x, [0, 2, 1]), shapes: [[3, 5, 2]] },
  { name: "transpose rank 4 [2, 0, 3, 1]", op: (x) => x.permute([2, 0, 3, 1]), shapes: [[2, 3, 5, 2]] },
  { name: "transpose rank 4 with 1s [3, 1, 2, 0]", op: (x) => g.permute(x, [3, 1, 2, -4]), shapes: [[3, 1, 2, 5]] },
  { name: "reshape rank 4", op: (x) => g.reshape(x, [2, 1, -1, 3]), shapes: [[3, 10]] },
  { name: "sum rank 3 axis 1", op: (x) => g.sum(x, 1), shapes: [[3, 4, 5]] },
  { name: "sum rank 4 axes [0, 2]", op: (x) => g.sum(x, [0, 2]), shapes: [[2, 3, 1, 5]] },
  { name: "sum rank 4 axes [1, 3] keepDims", op: (x) => g.sum(x, { axis: [1, 3], keepDims: true }), shapes: [[2, 3, 4, 5]] },
  { name: "sum rank 4 axes [0, 3]", op: (x) => g.sum(x, [0, -1]), shapes: [[3, 2, 2, 5]] },
  { name: "sum rank 3", op: (x) => g.sum(x), shapes: [[2, 3, 5]] },
  { name: "mean rank 3 axes [0, 2]", op: (x) => g.mean(x, [0, 2]), shapes: [[3, 2, 5]] },
  { name: "mean rank 4 axis −1 keepDims", op: (x) => g.mean(x, { axis: -1, keepDims: true }), shapes: [[2, 1, 3, 7]] },
  { name: "softmax rank 3", op: (x) => g.softmax(x), shapes: [[2, 3, 5]] },
  { name: "softmax rank 3 axis 1", op: (x) => x.softmax(1), shapes: [[2, 3, 5]] },
  { name: "softmax rank 4 axis 0", op: (x) => g.softmax(x, 0), shapes: [[3, 2, 1, 3]] },
  { name: "logSoftmax rank 3 axis 0 (composite)", op: (x) => x.logSoftmax(0), shapes: [[3, 2, 5]] },
  { name: "logSoftmax rank 4 (composite)", op: (x) => g.logSoftmax(x), shapes: [[2, 1, 3, 6]] },
  { name: "gather rank 3 axis 1", op: (x) => g.gather(x, [4, 0, 4]), shapes: [[5, 2, 3]] },
  { name: "gather rank 4 axis 2", op: (x) => x.gather([1, 0], 2), shapes: [[2, 1, 3, 5]] },
  { name: "takeAlongAxis rank 3", op: (x) => g.takeAlongAxis(x, tensor([[[1, 0, 2]], [[2, 2, 0]]], undefined, { dtype: x.dtype }), 1), shapes: [[2, 3, 3]] },
  { name: "slice rank 4", op: (x) => g.slice(x, [1, 0, 1, 2], [1, -1, 2, 3]), shapes: [[2, 3, 3, 5]] },
  {
    name: "concat rank 3 axis 2",
    op: (a, b) => g.concat([a, b], 2),
    shapes: [
      [2, 3, 1],
      [2, 3, 5],
    ],
  },
  {
    name: "stack rank 3 axis 1",
    op: (a, b) => g.stack([a, b], 1),
    shapes: [
      [2, 3, 5],
      [2, 3, 5],
    ],
  },
  { name: "reduceMax rank 3 axis 1", op: (x) => g.reduceMax(x, 1), shapes: [[2, 5, 3]] },
  { name: "reduceMin rank 4 axis 3", op: (x) => x.reduceMin(3), shapes: [[2, 1, 3, 5]] },
];

export const CASES: Case[] = [
  ...(["add", "sub", "mul"] as const).flatMap((n) => BROADCASTS.map((shapes) => ({ name: n, op: g[n] as Op, shapes }))),
  ...BROADCASTS.map((shapes) => ({ name: "div", op: g.div as Op, shapes, domain: (v: number, i: number) => (i === 1 ? away(v) : v) })),
  // Distinct values: max/min route by comparison, so ties are kinks.
  ...(["max", "min"] as const).flatMap((n) =>
    BROADCASTS.map((shapes) => ({ name: n, op: g[n] as Op, shapes, domain: (v: number, i: number) => v + 0.05 * i })),
  ),
  ...BROADCASTS.slice(0, 4).map((shapes) => ({
    name: "powTensor",
    op: (a: Tensor, b: Tensor) => g.pow(a, b),
    shapes,
    domain: (v: number, i: number) => (i === 0 ? positive(v) : v),
  })),
  { name: "where", op: (a, b) => g.where(condition(a, [3, 1]), a, b), shapes: [[3, 4], [4]] },
  { name: "where row", op: (a, b) => g.where(condition(a, [5]), a, b), shapes: [[2, 5], []] },
  {
    name: "detach",
    op: (a, b) => g.mul(g.detach(a), b),
    shapes: [
      [3, 4],
      [3, 4],
    ],
    stops: [0],
  },
  { name: "identity", op: identity, shapes: [[2, 3]] },
  { name: "neg", op: g.neg, shapes: [[3, 5]] },
  { name: "exp", op: g.exp, shapes: [[7]] },
  { name: "log", op: g.log, shapes: [[2, 9]], domain: positive },
  { name: "normalCdf", op: normalCdf, shapes: [[3, 6]] },
  { name: "pow 2", op: (x) => g.pow(x, 2), shapes: [[5, 3]] },
  { name: "pow 3", op: (x) => g.pow(x, 3), shapes: [[1, 7]] },
  { name: "pow −1.5", op: (x) => g.pow(x, -1.5), shapes: [[4]], domain: positive },
  { name: "pow 0", op: (x) => g.pow(x, 0), shapes: [[3]] },
  ...(Object.keys(g.activationGraphOps) as Activation[]).flatMap((act) => [
    { name: act, op: (x: Tensor) => g.activation(x, act), shapes: [[4, 7]], domain: ACTIVATION_DOMAINS[act] },
    { name: `${act} vector`, op: (x: Tensor) => g.activation(x, act), shapes: [[5]], domain: ACTIVATION_DOMAINS[act] },
  ]),
  { name: "leaky-relu α=0.2", op: (x) => g.leakyRelu(x, 0.2), shapes: [[3, 5]], domain: away },
  {
    name: "matmul",
    op: (a, b) => g.matmul(a, b),
    shapes: [
      [3, 5],
      [5, 7],
    ],
  },
  {
    name: "matmul 1×1",
    op: (a, b) => g.matmul(a, b),
    shapes: [
      [1, 1],
      [1, 1],
    ],
  },
  {
    name: "matmul a·bᵀ",
    op: (a, b) => g.matmul(a, b, { transposeB: true }),
    shapes: [
      [6, 9],
      [5, 9],
    ],
  },
  {
    name: "matmul aᵀ·b",
    op: (a, b) => g.matmul(a, b, { transposeA: true }),
    shapes: [
      [9, 6],
      [9, 1],
    ],
  },
  {
    name: "matmul aᵀ·bᵀ",
    op: (a, b) => g.matmul(a, b, { transposeA: true, transposeB: true }),
    shapes: [
      [5, 3],
      [7, 5],
    ],
  },
  { name: "matmul vector·matrix", op: (a, b) => g.matmul(a, b), shapes: [[5], [5, 3]] },
  { name: "matmul matrix·vector", op: (a, b) => g.matmul(a, b), shapes: [[4, 6], [6]] },
  { name: "matmul vector·vector", op: (a, b) => g.matmul(a, b), shapes: [[7], [7]] },
  { name: "transpose", op: (x) => g.transpose(x), shapes: [[3, 5]] },
  { name: "transpose vector", op: (x) => g.transpose(x), shapes: [[5]] },
  { name: "reshape", op: (x) => g.reshape(x, [5, -1]), shapes: [[3, 5]] },
  // Composites (written with the table's ops).
  { name: "abs (composite)", op: g.abs, shapes: [[3, 7]], domain: away },
  { name: "sqrt (composite)", op: g.sqrt, shapes: [[9]], domain: positive },
  { name: "square (composite)", op: g.square, shapes: [[2, 5]] },
  {
    name: "clip (composite)",
    op: (x) => g.clip(x, -0.5, 0.7),
    shapes: [[4, 6]],
    domain: (v) => (Math.abs(v - 0.7) < 0.05 || Math.abs(v + 0.5) < 0.05 ? v + 0.2 : v),
  },
  { name: "logSoftmax rows (composite)", op: (x) => g.logSoftmax(x), shapes: [[5, 7]] },
  { name: "logSoftmax vector (composite)", op: (x) => g.logSoftmax(x), shapes: [[6]] },
  { name: "gather rows", op: (x) => g.gather(x, [2, 0, 2, 1]), shapes: [[3, 5]] },
  { name: "gather columns", op: (x) => g.gather(x, [4, 1], 1), shapes: [[3, 5]] },
  { name: "gather vector", op: (x) => g.gather(x, [1, -1, 1]), shapes: [[6]] },
  { name: "takeAlongAxis labels", op: (x) => g.takeAlongAxis(x, [[2], [0], [3]]), shapes: [[3, 4]] },
  { name: "slice", op: (x) => g.slice(x, [1, 2], [2, -1]), shapes: [[4, 6]] },
  {
    name: "concat axis 0",
    op: (a, b) => g.concat([a, b, a]),
    shapes: [
      [2, 3],
      [1, 3],
    ],
  },
  {
    name: "concat axis 1",
    op: (a, b) => g.concat([a, b], 1),
    shapes: [
      [2, 3],
      [2, 5],
    ],
  },
  { name: "stack", op: (a, b) => g.stack([a, b], 1), shapes: [[4], [4]] },
  { name: "reduceMax axis 1", op: (x) => g.reduceMax(x, 1), shapes: [[4, 5]] },
  { name: "reduceMin axis 0", op: (x) => g.reduceMin(x, 0), shapes: [[4, 5]] },
  { name: "reduceMax all", op: (x) => g.reduceMax(x), shapes: [[3, 3]] },
  { name: "sum", op: (x) => g.sum(x), shapes: [[7, 3]] },
  { name: "sum axis 0", op: (x) => g.sum(x, 0), shapes: [[7, 3]] },
  { name: "sum axis 1 keepDims", op: (x) => g.sum(x, { axis: 1, keepDims: true }), shapes: [[7, 3]] },
  { name: "sum axes [0, 1]", op: (x) => g.sum(x, [0, 1]), shapes: [[4, 3]] },
  { name: "sum vector axis −1", op: (x) => g.sum(x, -1), shapes: [[6]] },
  { name: "mean", op: (x) => g.mean(x), shapes: [[5, 5]] },
  { name: "mean axis 0 keepDims", op: (x) => g.mean(x, { axis: 0, keepDims: true }), shapes: [[4, 9]] },
  { name: "mean axis 1", op: (x) => g.mean(x, 1), shapes: [[2, 13]] },
  ...RANK_N,
];

/** The op names every table must cover: primitives and activations. */
export const OP_NAMES = [
  ...Object.keys(g.graphOps),
  ...Object.keys(g.activationGraphOps),
  "gather",
  "takeAlongAxis",
  "slice",
  "concat",
  "stack",
  "reduceMax",
  "reduceMin",
];
