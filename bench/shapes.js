// The one list of benchmark shapes and matmul forms, shared by test/assembly/gemm.test.ts,
// bench/matmul.js, bench/peers/run.js, bench/ab.js and bench/threads.js.

/** The three products backprop needs; `kernel` is the wasmlp export. */
export const FORMS = [
  { label: "A·B", kernel: "matmul_nn", transA: false, transB: false },
  { label: "A·Bᵀ", kernel: "matmul_nt", transA: false, transB: true },
  { label: "Aᵀ·B", kernel: "matmul_tn", transA: true, transB: false },
];

/**
 * Matmul cases as C(m×n) = op(A)·op(B) with inner size k. The first rows are the products a
 * training step of 784-128-10 at batch 64 really runs (W is units × inputs):
 * forward Z = A_prev·Wᵀ, dW = dZᵀ·A_prev, dA_prev = dZ·W; then 784-256-128-10 at batch 128,
 * then squares for comparison with other libraries' usual figures.
 */
export const MATMUL_CASES = [
  { name: "784-128-10 b64: Z1 = X·W1ᵀ", form: "A·Bᵀ", m: 64, n: 128, k: 784 },
  { name: "784-128-10 b64: Z2 = A1·W2ᵀ", form: "A·Bᵀ", m: 64, n: 10, k: 128 },
  { name: "784-128-10 b64: dW1 = dZ1ᵀ·X", form: "Aᵀ·B", m: 128, n: 784, k: 64 },
  { name: "784-128-10 b64: dW2 = dZ2ᵀ·A1", form: "Aᵀ·B", m: 10, n: 128, k: 64 },
  { name: "784-128-10 b64: dA1 = dZ2·W2", form: "A·B", m: 64, n: 128, k: 10 },
  { name: "784-256-128-10 b128: Z1 = X·W1ᵀ", form: "A·Bᵀ", m: 128, n: 256, k: 784 },
  { name: "784-256-128-10 b128: dW1 = dZ1ᵀ·X", form: "Aᵀ·B", m: 256, n: 784, k: 128 },
  { name: "784-256-128-10 b128: dA1 = dZ2·W2", form: "A·B", m: 128, n: 256, k: 128 },
  ...[128, 256, 512, 1024].flatMap((s) => ["A·B", "A·Bᵀ", "Aᵀ·B"].map((form) => ({ name: `${s}³`, form, m: s, n: s, k: s }))),
];

/** Layer sizes of the networks the inference benchmarks run (all hidden layers relu). */
export const DENSE_NETWORKS = [
  { name: "784-128-10", sizes: [784, 128, 10] },
  { name: "784-256-128-10", sizes: [784, 256, 128, 10] },
];

const relu = (units) => ({ units, activation: "relu" });
/** The training benchmarks' networks as [label, batch size, Network options]. */
export const TRAINING_NETS = [
  [
    "784-128-10 sigmoid, SGD, b64",
    64,
    {
      inputSize: 784,
      layers: [
        { units: 128, activation: "sigmoid" },
        { units: 10, activation: "softmax" },
      ],
      optimizer: { type: "sgd", learningRate: 0.1 },
      seed: 1,
    },
  ],
  [
    "784-256-128-10 relu, Adam, b128",
    128,
    { inputSize: 784, layers: [relu(256), relu(128), { units: 10, activation: "softmax" }], optimizer: { type: "adam", learningRate: 1e-3 }, seed: 1 },
  ],
  [
    "784-512-256-10 relu, Adam, b256",
    256,
    { inputSize: 784, layers: [relu(512), relu(256), { units: 10, activation: "softmax" }], optimizer: { type: "adam", learningRate: 1e-3 }, seed: 1 },
  ],
];
