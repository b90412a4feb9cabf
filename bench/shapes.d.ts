// Types for bench/shapes.js, which the tests import.
export interface Form { label: "A·B" | "A·Bᵀ" | "Aᵀ·B"; kernel: "matmul_nn" | "matmul_nt" | "matmul_tn"; transA: boolean; transB: boolean }
export const FORMS: Form[];
export const MATMUL_CASES: { name: string; form: Form["label"]; m: number; n: number; k: number }[];
export const DENSE_NETWORKS: { name: string; sizes: number[] }[];
export const TRAINING_NETS: [label: string, batchSize: number, options: Record<string, unknown>][];
