// One declaration of every kernel's parameters as the wasm module exports them. The thread
// dispatcher reads it (how many pointers a pass takes), and test/kernel-signatures.test.ts checks
// it against the module's own type section and against the Kernels interface of src/wasm.ts.
import { activationKernels } from "./activations.js";
import { optimizerKernels } from "./optimizers.js";

/**
 * The kernels the threads run besides the registries' own: matmul tiles (strided blocks) and
 * max_abs. A table apart from KERNEL_SIGNATURES (kernelSignatures() has both), so that loading
 * the threads does not load every signature.
 */
export const THREADED_SIGNATURES = {
  matmul_strided_nn: "ssspspspspii",
  matmul_strided_nt: "ssspspspspii",
  matmul_strided_tn: "ssspspspspii",
  matmul_strided_nt_forward: "ssspspspsppifi",
  max_abs: "sp>f",
  qmatmul_nt_forward: "sssppppppif",
} as const;

/**
 * One letter a parameter, in order: s a size, p a pointer (a byte offset into the module's
 * memory), i another i32 (a flag, a code, a seed), f an f32 scalar; after `>` the result (f f32,
 * d f64, i i32). s, p and i are all i32 in the module: the letters say what TypeScript passes.
 */
export const KERNEL_SIGNATURES = {
  heap_base: ">i",
  matmul_workspace_bytes: ">i",
  packed_bt_floats: "ss>i",
  pack_bt: "sspp",
  matmul_nn: "sssppppi",
  matmul_nt: "sssppppi",
  matmul_tn: "sssppppi",
  matmul_nt_forward: "ssspppppif",
  matmul_nt_forward_packed: "ssspppppif",
  dense_nt_forward: "sssppppif",
  add_bias: "sspp",
  sum_cols: "ssppfi",
  sum_rows: "ssppf",
  elementwise_binary: "isspsspssp",
  elementwise_unary: "isppf",
  elementwise_select: "sspsspsspssp",
  transpose: "sspp",
  bce_value: "spp>d",
  bce_grad: "spppf",
  cce_value: "spp>d",
  cce_grad: "spppf",
  mse_value: "spp>d",
  mse_grad: "spppf",
  mae_value: "spp>d",
  mae_grad: "spppf",
  huber_value: "sppf>d",
  huber_grad: "spppff",
  hinge_value: "spp>d",
  hinge_grad: "spppf",
  sigmoid_bce_grad: "spppf",
  softmax_cce_grad: "spppf",
  scale_rows: "sspp",
  sum_squares: "sp>d",
  penalty_grad: "sppff",
  penalty_value: "spff>d",
  dropout_forward: "sppifi",
  dropout_backward: "spifi",
  layer_norm_forward: "ssppppppf",
  layer_norm_backward: "ssppppppp",
  batch_norm_forward: "sspppppppfi",
  batch_norm_backward: "sspppppppfi",
  moving_average_step: "sppf",
  quantize_rows: "sspppi",
} as const;

/** The relaxed build's kernels besides every one above (assembly/relaxed.ts); j is an i64 (a BigInt). */
export const RELAXED_SIGNATURES = {
  quantize_rows7: "sspppp",
  qmatmul7_nt_forward: "sssppppppppif",
  relaxed_madd_probe: "fffi>f",
  relaxed_dot_probe: "jjjjii>i",
} as const;

/** The relaxed build's kernels the threads run (its pool's signatures add these to THREADED_SIGNATURES). */
export const RELAXED_THREADED_SIGNATURES = {
  qmatmul7_nt_forward: RELAXED_SIGNATURES.qmatmul7_nt_forward,
} as const;

/** Kernels not tied to a registry op, by name. */
export type BaseKernelName = keyof typeof KERNEL_SIGNATURES | keyof typeof THREADED_SIGNATURES;

let all: ReadonlyMap<string, string> | null = null;

/** Every kernel's signature: the ones above, then those the op registries derive. */
export function kernelSignatures(): ReadonlyMap<string, string> {
  all ??= new Map<string, string>([
    ...Object.entries(KERNEL_SIGNATURES),
    ...Object.entries(THREADED_SIGNATURES),
    ...activationKernels().map((k) => [k.name, k.signature] as const),
    ...optimizerKernels().map((k) => [k.name, k.signature] as const),
  ]);
  return all;
}

/** The pointer parameters of a kernel's signature. */
export function pointerCount(signature: string): number {
  let n = 0;
  for (const c of signature)
    if (c === "p") n++;
    else if (c === ">") break;
  return n;
}
