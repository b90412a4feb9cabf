// The kernels as TypeScript sees them: a type only, so that the op registries, the threads and the
// loader (src/wasm.ts) can all name it without importing one another.

/**
 * The raw kernel exports: pointers and sizes in, nothing allocated (see assembly/README.md). The
 * activations' kernels are named by the registry (src/activations.ts) and called through it;
 * src/kernel-signatures.ts declares every kernel's parameters for the checks and the threads.
 */
export interface Kernels extends ActivationKernels {
  readonly memory: WebAssembly.Memory;
  heap_base(): number;
  matmul_workspace_bytes(): number;
  matmul_nn(m: number, n: number, k: number, a: number, b: number, c: number, work: number, accumulate: number): void;
  matmul_nt(m: number, n: number, k: number, a: number, b: number, c: number, work: number, accumulate: number): void;
  matmul_tn(m: number, n: number, k: number, a: number, b: number, c: number, work: number, accumulate: number): void;
  /** Z = act(A·Wᵀ + bias), no packing; act codes: the epilogue field of src/activations.ts. */
  dense_nt_forward(m: number, n: number, k: number, a: number, w: number, bias: number, z: number, act: number, alpha: number): void;
  /** C = act(A·Bᵀ + bias): matmul_nt with bias and activation fused into its store (same act codes). */
  matmul_nt_forward(m: number, n: number, k: number, a: number, b: number, bias: number, c: number, work: number, act: number, alpha: number): void;
  /** Floats of a packed B (n×k) for matmul_nt_forward_packed; pack_bt packs it. */
  packed_bt_floats(n: number, k: number): number;
  pack_bt(n: number, k: number, b: number, packed: number): void;
  /** matmul_nt_forward with B packed once by pack_bt (m ≥ 4): the same bits. */
  matmul_nt_forward_packed(m: number, n: number, k: number, a: number, packed: number, bias: number, c: number, work: number, act: number, alpha: number): void;
  /** Sub-blocks of a product (row strides in floats), for threads; aMode 0/1/2: A packed block by block, whole and kept, or kept by this thread's previous call (see assembly/gemm.ts). */
  matmul_strided_nn(
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    work: number,
    accumulate: number,
    aMode: number,
  ): void;
  matmul_strided_nt(
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    work: number,
    accumulate: number,
    aMode: number,
  ): void;
  matmul_strided_tn(
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    work: number,
    accumulate: number,
    aMode: number,
  ): void;
  /** matmul_nt_forward on a sub-block (strides in floats; bias at the block's first column): a thread's part of a layer's output. */
  matmul_strided_nt_forward(
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    work: number,
    bias: number,
    act: number,
    alpha: number,
    aMode: number,
  ): void;
  add_bias(m: number, n: number, bias: number, x: number): void;
  sum_cols(m: number, n: number, x: number, out: number, scale: number, accumulate: number): void;
  sum_rows(m: number, n: number, x: number, out: number, scale: number): void;
  max_abs(n: number, x: number): number;
  /** The graph's elementwise ops with broadcasting (op codes in src/graph/backend.ts). */
  elementwise_binary(op: number, rows: number, cols: number, a: number, aRow: number, aCol: number, b: number, bRow: number, bCol: number, out: number): void;
  elementwise_unary(op: number, n: number, x: number, out: number, p: number): void;
  /** out = c ≠ 0 ? a : b with the strides of elementwise_binary (the graph's where). */
  elementwise_select(
    rows: number,
    cols: number,
    c: number,
    cRow: number,
    cCol: number,
    a: number,
    aRow: number,
    aCol: number,
    b: number,
    bRow: number,
    bCol: number,
    out: number,
  ): void;
  transpose(rows: number, cols: number, x: number, out: number): void;
  bce_value(n: number, a: number, y: number): number;
  bce_grad(n: number, a: number, y: number, da: number, scale: number): void;
  cce_value(n: number, a: number, y: number): number;
  cce_grad(n: number, a: number, y: number, da: number, scale: number): void;
  mse_value(n: number, a: number, y: number): number;
  mse_grad(n: number, a: number, y: number, da: number, scale: number): void;
  mae_value(n: number, a: number, y: number): number;
  mae_grad(n: number, a: number, y: number, da: number, scale: number): void;
  huber_value(n: number, a: number, y: number, delta: number): number;
  huber_grad(n: number, a: number, y: number, da: number, scale: number, delta: number): void;
  hinge_value(n: number, a: number, y: number): number;
  hinge_grad(n: number, a: number, y: number, da: number, scale: number): void;
  sigmoid_bce_grad(n: number, a: number, y: number, dz: number, scale: number): void;
  softmax_cce_grad(n: number, a: number, y: number, dz: number, scale: number): void;
  sgd_step(n: number, g: number, w: number, lr: number): void;
  momentum_step(n: number, g: number, w: number, v: number, lr: number, momentum: number): void;
  adam_step(
    n: number,
    g: number,
    w: number,
    m: number,
    v: number,
    lr: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    epsilon: number,
    c1: number,
    c2: number,
  ): void;
  rmsprop_step(n: number, g: number, w: number, v: number, lr: number, oneMinusRho: number, epsilon: number): void;
  adagrad_step(n: number, g: number, w: number, acc: number, lr: number, epsilon: number): void;
  nesterov_step(n: number, g: number, w: number, v: number, lr: number, momentum: number): void;
  scale_step(n: number, w: number, factor: number): void;
  scale_rows(m: number, n: number, x: number, w: number): void;
  penalty_grad(n: number, w: number, g: number, l1: number, l2: number): void;
  penalty_value(n: number, w: number, l1: number, l2: number): number;
  dropout_forward(n: number, a: number, out: number, threshold: number, scale: number, seed: number): void;
  dropout_backward(n: number, d: number, threshold: number, scale: number, seed: number): void;
  clip_values(n: number, g: number, c: number): void;
  /** Normalization of z before the activation (assembly/normalization.ts); training is 0 or 1. */
  layer_norm_forward(m: number, n: number, z: number, gamma: number, beta: number, xhat: number, y: number, invstd: number, epsilon: number): void;
  layer_norm_backward(m: number, n: number, xhat: number, invstd: number, gamma: number, dy: number, dz: number, dgamma: number, dbeta: number): void;
  batch_norm_forward(
    m: number,
    n: number,
    z: number,
    gamma: number,
    beta: number,
    mean: number,
    variance: number,
    xhat: number,
    y: number,
    epsilon: number,
    training: number,
  ): void;
  batch_norm_backward(
    m: number,
    n: number,
    xhat: number,
    variance: number,
    gamma: number,
    dy: number,
    dz: number,
    dgamma: number,
    dbeta: number,
    epsilon: number,
    training: number,
  ): void;
  moving_average_step(n: number, x: number, avg: number, momentum: number): void;
  sum_squares(n: number, x: number): number;
  /** Int8 inference (assembly/quantized.ts): x (m×k f32) to q (m×kp i16, kp = (k+7)&~7) and a scale per row, symmetric to ±range. */
  quantize_rows(m: number, k: number, x: number, q: number, scales: number, range: number): void;
  /** Z = act(f32(Q·Wᵀ)·(sx ⊗ sw) + bias), W int8 rows padded to kp with scales sw; act codes as dense_nt_forward. */
  qmatmul_nt_forward(m: number, n: number, k: number, q: number, sx: number, w: number, sw: number, bias: number, z: number, act: number, alpha: number): void;
}

/** The relaxed build's own kernels (assembly/relaxed.ts): int8 inference with 7-bit activations for i32x4.relaxed_dot_i8x16_i7x16_add_s. */
export interface RelaxedKernels {
  /** x (m×k f32) to u (m×kp u8 in [0, 127], kp = (k+7)&~7), a scale (f32) and a zero point (i32) per row. */
  quantize_rows7(m: number, k: number, x: number, q: number, scales: number, zeros: number): void;
  /** Z = act(f32(U·Wᵀ − zx ⊗ rs)·(sx ⊗ sw) + bias): W int8 rows padded to kp, their scales sw and sums rs (i32). */
  qmatmul7_nt_forward(
    m: number,
    n: number,
    k: number,
    q: number,
    sx: number,
    zx: number,
    w: number,
    sw: number,
    rs: number,
    bias: number,
    z: number,
    act: number,
    alpha: number,
  ): void;
  relaxed_madd_probe(a: number, b: number, c: number, lane: number): number;
  relaxed_dot_probe(a0: bigint, a1: bigint, b0: bigint, b1: bigint, c: number, lane: number): number;
}

/** The activations' `<kernel>_forward` / `_backward` exports, named by the registry (arity: src/kernel-signatures.ts). */
type ActivationKernels = Record<`${string}_forward` | `${string}_backward`, (...args: number[]) => void>;
