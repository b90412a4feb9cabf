// Reverse mode and its edges: accumulation at forks and across backward() calls, a graph of
// 100,000 ops, scopes that free every intermediate, clear errors (disposed tensors, mixed
// dtypes, shapes), and the graph against the network's own fused backprop and training.
import { beforeAll, expect, test } from "vitest";
import { Network, init, memoryStats } from "wasmlp";
import { ReferenceNetwork } from "../../src/reference/index.js";
import {
  type Tensor,
  add,
  fitWithLoss,
  grad,
  keep,
  log,
  matmul,
  mean,
  mul,
  noGrad,
  ones,
  relu,
  sigmoid,
  softmax,
  sub,
  sum,
  tanh,
  tensor,
  tidy,
  trainBatchWithLoss,
  valueAndGrad,
  variable,
} from "wasmlp/graph";
import { Random, expectClose, randomArray } from "../helpers.js";

beforeAll(async () => {
  await init();
});

const bytes = (): number => memoryStats().bytesInUse;

test("a value used twice receives both gradients; backward() adds into .grad until zeroGrad()", () => {
  const x = variable(3);
  tidy(() => mul(x, x).backward());
  expect(x.grad!.item()).toBe(6);
  tidy(() => add(mul(x, 2), x).backward());
  expect(x.grad!.item()).toBe(9);
  x.zeroGrad();
  expect(x.grad).toBeNull();
  tidy(() => sum(mul(x, tensor([1, 2, 3]))).backward());
  expect(x.grad!.item()).toBe(6);
  x.dispose();
});

test("a graph of 100,000 ops runs backward without recursion, and its memory returns", () => {
  const start = bytes();
  const x = variable(0.5);
  const value = tidy(() => {
    let t: Tensor = x;
    for (let i = 0; i < 100_000; i++) t = add(t, x);
    t.backward();
    return t.item();
  });
  expect(value).toBe(0.5 * 100_001);
  expect(x.grad!.item()).toBe(100_001);
  x.dispose();
  expect(bytes()).toBe(start);
});

test("tidy frees what it does not return, nests, and frees everything when fn throws", () => {
  const start = bytes();
  const kept = tidy(() => {
    const a = ones([3, 4]);
    const inner = tidy(() => {
      const b = mul(a, 2);
      mul(b, b);
      return { b };
    });
    return [inner.b, sum(inner.b)];
  });
  expect(kept[0].isDisposed).toBe(false);
  expect(kept[1].item()).toBe(24);
  expect(bytes()).toBe(start + 2 * 64);
  kept.forEach((t) => t.dispose());
  expect(bytes()).toBe(start);
  expect(() =>
    tidy(() => {
      ones([5]);
      throw new Error("boom");
    }),
  ).toThrow("boom");
  expect(bytes()).toBe(start);
  expect(() => tidy((async () => ones([2])) as unknown as () => Tensor)).toThrow(/synchronous/);
  expect(bytes()).toBe(start);
  let kept2: Tensor | null = null;
  const k = tidy(() => {
    kept2 = keep(ones([2]));
    ones([2]);
    return null;
  });
  expect(k).toBeNull();
  expect(bytes()).toBe(start + 64);
  kept2!.dispose();
  expect(bytes()).toBe(start);
});

test("using frees a tensor (and a network) when its block ends", () => {
  const start = bytes();
  let seen: Tensor | null = null;
  {
    using t = ones([4, 4]);
    using net = new Network({ inputSize: 2, layers: [{ units: 1 }], seed: 1 });
    seen = t;
    expect(net.predict([1, 2])).toHaveLength(1);
    expect(bytes()).toBeGreaterThan(start);
  }
  expect(seen!.isDisposed).toBe(true);
  expect(bytes()).toBe(start);
});

test("grad, valueAndGrad: gradients of scalar functions; intermediates are freed; a constant function has zero gradient", () => {
  const start = bytes();
  const x = tensor([1, -2, 0.5]);
  const dx = grad((t) => sum(tanh(t)))(x);
  expectClose(
    dx.data(),
    [1, -2, 0.5].map((v) => 1 - Math.tanh(v) ** 2),
    1e-6,
    "d tanh",
  );
  const { value, grad: g0 } = valueAndGrad(() => sum(ones([2])))(x);
  expect(value.item()).toBe(2);
  expect(Array.from(g0.data())).toEqual([0, 0, 0]);
  [x, dx, value, g0].forEach((t) => t.dispose());
  expect(bytes()).toBe(start);
});

test("errors name what was expected and what was received, and change nothing", () => {
  const start = bytes();
  const a = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = tensor([1, 2], [2]);
  expect(() => add(a, b)).toThrow("add: shapes [2, 3] and [2] do not broadcast (dimension 1: 3 vs 2; each must be equal or 1)");
  expect(() => matmul(a, a)).toThrow("matmul: inner dimensions differ: [2, 3] · [2, 3] is (2 × 3) · (2 × 3)");
  expect(() => matmul(a, b)).toThrow("matmul: inner dimensions differ: [2, 3] · [2, 1] is (2 × 3) · (2 × 1)");
  const c = tensor([1, 2, 3], undefined, { dtype: "float64" });
  expect(() => add(a, c)).toThrow("add mixes a float32 tensor of shape [2, 3] with a float64 tensor of shape [3]");
  expect(() => sum(a, 2)).toThrow(/axis 2 does not exist in a float32 tensor of shape \[2, 3\]/);
  expect(() => a.reshape([4, -1])).toThrow("reshape: a float32 tensor of shape [2, 3] has 6 values, which shape [4, -1] cannot hold");
  expect(() => a.backward()).toThrow(/does not depend on any tensor that requires gradients/);
  const v = variable([1, 2]);
  expect(() => tidy(() => mul(v, 2).backward())).toThrow(/needs a scalar \(one value\); a float32 tensor of shape \[2\] \(made by mul\) has 2/);
  expect(() => tensor([1, NaN])).toThrow("tensor value 1 is NaN; values must be finite numbers");
  expect(() => tensor([1e39])).toThrow(/beyond float32's range/);
  expect(() => tensor([[1, 2], [3]])).toThrow("tensor row 1 is an array of length 1; every row must have 2 numbers like row 0");
  expect(() => tensor(new Array(128).fill(1), [2, 2, 2, 2, 2, 2, 2])).toThrow(/has rank 7; tensors have rank 0 to 6/);
  expect(() => tensor([1, 2], [3])).toThrow("shape [3] holds 3 values, but 2 were given");
  expect(() => tensor([1], undefined, { dtype: "int32" as "float32" })).toThrow(/dtype must be "float32" or "float64"/);
  expect(() => tensor([1], undefined, { grad: true } as object)).toThrow(/unknown tensor option "grad"/);
  expect(() => sum(a, { axis: 0, keep: true } as object)).toThrow(/unknown sum option "keep"/);
  expect(() => add(1, 2)).toThrow(/at least one Tensor operand/);
  expect(() => add(a, "1" as unknown as number)).toThrow(/add input 1 expects a Tensor, received "1"/);
  // A disposed tensor, directly and inside a recorded graph.
  const d = tensor([1, 2, 3]);
  d.dispose();
  expect(() => add(d, 1)).toThrow("add: a float32 tensor of shape [3] has been disposed; its memory is released");
  expect(() => d.data()).toThrow(/has been disposed/);
  // A disposed intermediate that a live graph reads keeps its memory: backward() still works.
  const w = variable([1, 2, 3]);
  const colSums = a.sum(0);
  const y = mul(w, colSums);
  const l = sum(y);
  y.dispose();
  colSums.dispose();
  expect(() => y.data()).toThrow(/has been disposed/);
  l.backward();
  expect(Array.from(w.grad!.data())).toEqual([5, 7, 9]);
  [a, b, c, v, w, l].forEach((t) => t.dispose());
  expect(bytes()).toBe(start);
});

test("logSoftmax stays exact where log(softmax) underflows; composites free their temporaries", () => {
  const start = bytes();
  const x = tensor([
    [80, 0, -80],
    [1, 2, 3],
  ]);
  const naive = tidy(() => Array.from(log(softmax(x)).data()));
  expect(naive[2]).toBeGreaterThan(-88); // e^−160 underflows float32 (the kernel clamps at e^−87.3): far from −160
  const stable = tidy(() => Array.from(x.logSoftmax().data()));
  expectClose(stable, [0, -80, -160, ...[1, 2, 3].map((v) => v - 3 - Math.log(Math.exp(-2) + Math.exp(-1) + 1))], 1e-5, "logSoftmax");
  const v = variable([0, -2, 3]);
  tidy(() => {
    v.abs().sum().backward();
  });
  expect(Array.from(v.grad!.data())).toEqual([1, -1, 1]); // +1 at 0: the max gate's tie rule
  // Recorded, inside a scope: each composite's result owns its temporaries, and the scope frees the results.
  tidy(() => {
    v.clip(-1, 1).square().sqrt().logSoftmax().abs();
  });
  [x, v].forEach((t) => t.dispose());
  expect(bytes()).toBe(start);
});

test("noGrad records nothing; float64 tensors never touch linear memory", () => {
  const start = bytes();
  const x = variable([1, 2]);
  const y = noGrad(() => mul(x, 3));
  expect(y.requiresGrad).toBe(false);
  y.dispose();
  x.dispose();
  const z = tidy(() => keep(sum(mul(tensor([1, 2], undefined, { dtype: "float64" }), 2))));
  expect(bytes()).toBe(start);
  expect(z.item()).toBe(6);
  expect(z.dtype).toBe("float64");
});

/** A network's forward pass and mean loss written with tensors, from its own weights. */
function graphLoss(net: Network | ReferenceNetwork, params: Tensor[], x: Tensor, y: Tensor): Tensor {
  let a = x;
  net.layers.forEach((layer, l) => {
    const z = add(matmul(a, params[2 * l], { transposeB: true }), params[2 * l + 1]);
    a = ({ sigmoid, tanh, relu, softmax } as Record<string, (t: Tensor) => Tensor>)[layer.activation](z);
  });
  const m = x.shape[0];
  if (net.lossName === "binary-crossentropy") return mul(sum(add(mul(y, log(a)), mul(sub(1, y), log(sub(1, a))))), -1 / m);
  if (net.lossName === "categorical-crossentropy") return mul(sum(mul(y, log(a))), -1 / m);
  return mean(mul(sub(a, y), sub(a, y)));
}

test("a network's loss and gradients through the graph equal Network.gradients (1e-5) and ReferenceNetwork's (1e-12)", () => {
  const rng = new Random(41);
  const cases = [
    {
      layers: [
        { units: 7, activation: "tanh" as const },
        { units: 3, activation: "softmax" as const },
      ],
      loss: "categorical-crossentropy" as const,
    },
    {
      layers: [
        { units: 5, activation: "relu" as const },
        { units: 1, activation: "sigmoid" as const },
      ],
      loss: "binary-crossentropy" as const,
    },
    {
      layers: [
        { units: 9, activation: "sigmoid" as const },
        { units: 4, activation: "tanh" as const },
        { units: 2, activation: "tanh" as const },
      ],
      loss: "mse" as const,
    },
  ];
  for (const c of cases)
    for (const m of [1, 6]) {
      const options = { inputSize: 5, ...c, seed: 3 };
      const out = c.layers[c.layers.length - 1].units;
      const x = randomArray(rng, m * 5);
      const y = new Float32Array(m * out).map((_, i) =>
        c.loss === "mse" ? rng.symmetric(0.9) : c.loss === "binary-crossentropy" ? rng.uint32() % 2 : i % out === i % 2 ? 1 : 0,
      );
      if (c.loss === "categorical-crossentropy")
        for (let i = 0; i < m; i++) {
          y.fill(0, i * out, (i + 1) * out);
          y[i * out + (i % out)] = 1;
        }
      for (const [Net, dtype, tol] of [
        [Network, "float32", 1e-5],
        [ReferenceNetwork, "float64", 1e-12],
      ] as const) {
        const net = new Net(options);
        const expected = net.gradients(x, y);
        const got = tidy(() => {
          const params = net
            .getWeights()
            .map((w, i) => tensor(w, i % 2 ? [w.length] : [c.layers[i >> 1].units, w.length / c.layers[i >> 1].units], { dtype, requiresGrad: true }));
          const l = graphLoss(net, params, tensor(x, [m, 5], { dtype }), tensor(y, [m, out], { dtype }));
          l.backward();
          return { loss: l.item(), grads: params.map((p) => p.grad!.data()) };
        });
        expect(Math.abs(got.loss - expected.loss)).toBeLessThan(tol);
        expected.grads.forEach((gr, l) => {
          expectClose(got.grads[2 * l], gr.dW, tol, `${Net.name} ${c.loss} m=${m} dW${l}`);
          expectClose(got.grads[2 * l + 1], gr.db, tol, `${Net.name} ${c.loss} m=${m} db${l}`);
        });
        net.dispose();
      }
    }
});

test("trainBatchWithLoss with cross-entropy written in tensors takes the step trainBatch takes (1e-5)", () => {
  const options = {
    inputSize: 4,
    layers: [
      { units: 6, activation: "tanh" as const },
      { units: 3, activation: "softmax" as const },
    ],
    optimizer: { type: "adam" as const, learningRate: 0.01 },
    seed: 9,
  };
  const x = [
    [0.1, -0.5, 1, 2],
    [1, 0, -1, 0.5],
    [-0.3, 0.3, 0.8, -2],
  ];
  const y = [
    [1, 0, 0],
    [0, 0, 1],
    [0, 1, 0],
  ];
  const a = new Network(options),
    b = new Network(options);
  const cce = (p: Tensor, t: Tensor) => mul(sum(mul(t, log(p))), -1 / p.shape[0]);
  let start = 0;
  for (let step = 0; step < 3; step++) {
    if (step === 1) start = bytes(); // after the networks made room for the batch
    const la = a.trainBatch(x, y),
      lb = trainBatchWithLoss(b, x, y, cce);
    expect(Math.abs(la - lb)).toBeLessThan(1e-6);
  }
  expect(bytes()).toBe(start);
  const wa = a.getWeights(),
    wb = b.getWeights();
  wa.forEach((w, i) => expectClose(wb[i], w, 1e-5, `weights ${i}`));
  a.dispose();
  b.dispose();
});

test("fitWithLoss trains a network on a custom loss (a weighted squared error), on either engine", () => {
  const rng = new Random(7);
  const m = 64;
  const x = randomArray(rng, m * 2, 1);
  // y = [x0·x1 > 0]: a small nonlinear task; errors on positives count 3 times.
  const y = Float32Array.from({ length: m }, (_, i) => (x[2 * i] * x[2 * i + 1] > 0 ? 1 : 0));
  const weighted = (p: Tensor, t: Tensor) => tidy(() => mean(mul(add(mul(t, 2), 1), mul(sub(p, t), sub(p, t)))));
  for (const Net of [Network, ReferenceNetwork]) {
    const net = new Net({
      inputSize: 2,
      layers: [
        { units: 16, activation: "tanh" },
        { units: 1, activation: "sigmoid" },
      ],
      optimizer: { type: "adam", learningRate: 0.05 },
      seed: 2,
    });
    fitWithLoss(net, x.subarray(0, 32), y.subarray(0, 16), { loss: weighted, epochs: 1, batchSize: 16 }); // room for a batch of 16
    const start = bytes();
    const epochs: number[] = [];
    const { loss } = fitWithLoss(net, x, y, { loss: weighted, epochs: 60, batchSize: 16, onEpochEnd: (e) => epochs.push(e) });
    expect(bytes()).toBe(start);
    expect(epochs).toHaveLength(60);
    expect(loss[59]).toBeLessThan(loss[0] / 3);
    const p = net.predict(x);
    const correct = Array.from(p).filter((v, i) => (v > 0.5 ? 1 : 0) === y[i]).length;
    expect(correct / m).toBeGreaterThan(0.9);
    expect(() => fitWithLoss(net, x, y, { loss: weighted, epoch: 2 } as never)).toThrow(/epoch/);
    expect(() => trainBatchWithLoss(net, x, y, (p) => sum(log(sub(p, p))))).toThrow(
      "the loss became -Infinity, so no update was applied (the weights are unchanged)",
    );
    net.dispose();
  }
});

test("applyGradients applies the gradients of backward() or gradients() once, and refuses without them", () => {
  const net = new Network({ inputSize: 2, layers: [{ units: 1, activation: "sigmoid" }], optimizer: { type: "sgd", learningRate: 1 }, seed: 1 });
  net.setWeights([[0.5, -0.5], [0]]);
  expect(() => net.applyGradients()).toThrow(/needs gradients first/);
  const { grads } = net.gradients([[1, 2]], [1]);
  net.applyGradients();
  expectClose(net.getWeights()[0], [0.5 - grads[0].dW[0], -0.5 - grads[0].dW[1]], 1e-7, "one SGD step");
  expect(() => net.applyGradients()).toThrow(/needs gradients first/);
  net.setWeights([[0, 0], [0]]);
  net.forward([[100, 100]]); // z = 0, σ′ = 1/4
  net.backward([[3e38]]); // finite, but dW = 3e38/4·100 overflows
  expect(() => net.applyGradients()).toThrow(/not finite/);
  expect(Array.from(net.getWeights()[0])).toEqual([0, 0]);
  net.dispose();
});
