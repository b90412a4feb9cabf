// f32x4 helpers shared by the kernels.

// @ts-ignore: decorator
@inline export const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline export const LN2_LO: f32 = -2.12194440e-4;

/**
 * e^x on four lanes, Cephes expf: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6
 * polynomial, 2^n by writing n into the exponent bits. Inputs are clamped to
 * [-87.3, 88.7] so the result is finite and never denormal; relative error ≈ 2 ulp.
 */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.33654)), f32x4.splat(88.72283));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, r), r), f32x4.add(r, f32x4.splat(1)));
  // 2^n: n + 127 in the exponent field. n ∈ [-126, 128]; split to stay in range.
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/**
 * a·b + c on four lanes: two roundings in the plain build; in the relaxed build (asc --enable
 * relaxed-simd) f32x4.relaxed_madd, which the engine may fuse (one rounding on CPUs with FMA).
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Sum of the four lanes. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Largest of the four lanes. */
// @ts-ignore: decorator
@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// Activation ops of the elementwise bodies (activations.ts, dense.ts); codes are part of the ABI of dense_nt_forward.
// @ts-ignore: decorator
@inline export const SIGMOID: i32 = 0;
// @ts-ignore: decorator
@inline export const TANH: i32 = 1;
// @ts-ignore: decorator
@inline export const RELU: i32 = 2;
// @ts-ignore: decorator
@inline export const LEAKY: i32 = 3;
// @ts-ignore: decorator
@inline export const IDENTITY: i32 = 4;
// @ts-ignore: decorator
@inline export const ELU: i32 = 5;
// @ts-ignore: decorator
@inline export const SELU: i32 = 6;
// @ts-ignore: decorator
@inline export const SOFTSIGN: i32 = 7;
// @ts-ignore: decorator
@inline export const HARD_SIGMOID: i32 = 8;
// @ts-ignore: decorator
@inline export const SOFTPLUS: i32 = 9;
// @ts-ignore: decorator
@inline export const SWISH: i32 = 10;
// @ts-ignore: decorator
@inline export const GELU: i32 = 11;
/** SELU's scale λ and slope α (Klambauer et al. 2017; Keras's constants). */
// @ts-ignore: decorator
@inline export const SELU_SCALE: f32 = 1.0507009873554805;
// @ts-ignore: decorator
@inline export const SELU_ALPHA: f32 = 1.6732632423543772;

/** 1/√2 and 1/√(2π), for gelu's Φ(z) = erfc(−z/√2)/2 and φ(z) = e^(−z²/2)/√(2π). */
// @ts-ignore: decorator
@inline export const SQRT1_2: f32 = 0.7071067811865476;
// @ts-ignore: decorator
@inline export const INV_SQRT_2PI: f32 = 0.3989422804014327;

/**
 * erfc(u)/2 for u ≥ 0 on four lanes: Numerical Recipes' erfcc (a Chebyshev fit, fractional error
 * below 1.2e-7 everywhere), so the tail Φ(−|z|) keeps its relative accuracy where 1 − erf would cancel.
 */
// @ts-ignore: decorator
@inline export function halfErfc4(u: v128): v128 {
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(0.5), u)));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.26551223));
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), t), exp4(f32x4.sub(p, f32x4.mul(u, u))));
}

/** Φ(z), the standard normal CDF, on four lanes: erfc(|z|/√2)/2 on the negative side, 1 minus it on the positive. */
// @ts-ignore: decorator
@inline export function normalCdf4(z: v128): v128 {
  const tail = halfErfc4(f32x4.mul(f32x4.abs(z), f32x4.splat(SQRT1_2)));
  return v128.bitselect(tail, f32x4.sub(f32x4.splat(1), tail), f32x4.lt(z, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline export function forward4(op: i32, z: v128, alpha: f32): v128 {
  if (op == SIGMOID) {
    // 1/(1+e^-z): exp4 clamps its argument, so ±∞ and ±400 give exactly 1 or a tiny positive.
    return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), exp4(f32x4.neg(z))));
  } else if (op == TANH) {
    // Cephes tanhf: odd polynomial for |z| < 0.625, else 1 − 2/(e^{2|z|} + 1) with z's sign.
    const x = f32x4.abs(z);
    const x2 = f32x4.mul(z, z);
    let p = f32x4.splat(-5.70498872745e-3);
    p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.06390887954e-2));
    p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-5.37397155531e-2));
    p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.33314422036e-1));
    p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-3.33332819422e-1));
    const small = f32x4.add(f32x4.mul(f32x4.mul(p, x2), z), z);
    const e = exp4(f32x4.add(x, x));
    let large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
    large = v128.or(large, v128.and(z, f32x4.splat(-0.0))); // copy the sign of z
    return v128.bitselect(small, large, f32x4.lt(x, f32x4.splat(0.625)));
  } else if (op == RELU) {
    return f32x4.max(z, f32x4.splat(0));
  } else if (op == LEAKY) {
    return v128.bitselect(z, f32x4.mul(z, f32x4.splat(alpha)), f32x4.gt(z, f32x4.splat(0)));
  } else if (op == ELU) {
    // z for z > 0, else e^z − 1 (alpha 1, as Keras's "elu").
    return v128.bitselect(z, f32x4.sub(exp4(z), f32x4.splat(1)), f32x4.gt(z, f32x4.splat(0)));
  } else if (op == SELU) {
    const neg = f32x4.mul(f32x4.splat(SELU_ALPHA), f32x4.sub(exp4(z), f32x4.splat(1)));
    return f32x4.mul(f32x4.splat(SELU_SCALE), v128.bitselect(z, neg, f32x4.gt(z, f32x4.splat(0))));
  } else if (op == SOFTSIGN) {
    return f32x4.div(z, f32x4.add(f32x4.splat(1), f32x4.abs(z)));
  } else if (op == HARD_SIGMOID) {
    // Keras 3: relu6(z + 3) / 6.
    const r6 = f32x4.min(f32x4.max(f32x4.add(z, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6));
    return f32x4.div(r6, f32x4.splat(6));
  } else if (op == SOFTPLUS) {
    // ln(1 + e^z) = max(z, 0) + ln(1 + e^−|z|): never overflows; the log lane by lane (no SIMD log).
    const t = exp4(f32x4.neg(f32x4.abs(z)));
    const l = f32x4(Mathf.log1p(f32x4.extract_lane(t, 0)), Mathf.log1p(f32x4.extract_lane(t, 1)),
      Mathf.log1p(f32x4.extract_lane(t, 2)), Mathf.log1p(f32x4.extract_lane(t, 3)));
    return f32x4.add(f32x4.max(z, f32x4.splat(0)), l);
  } else if (op == SWISH) {
    // z·σ(z) (Keras's swish = silu).
    return f32x4.div(z, f32x4.add(f32x4.splat(1), exp4(f32x4.neg(z))));
  } else if (op == GELU) {
    // z·Φ(z), the exact (erf) form: Keras's gelu with approximate=False.
    return f32x4.mul(z, normalCdf4(z));
  }
  return z;
}


/**
 * forward4 with the op known only at run time, as a call: the fused epilogues (gemm.ts,
 * dense.ts) apply it once per stored vector, so a call costs nothing measurable there, while
 * inlining every activation into every store site would double the module's size.
 */
// @ts-ignore: decorator
@noinline export function activate4(op: i32, z: v128, alpha: f32): v128 {
  return forward4(op, z, alpha);
}

// z(n) = act(z + bias) over one row still in L1; op is a constant at each call site (generic:
// the run-time act through activate4's call).
// @ts-ignore: decorator
@inline function biasActRow(op: i32, generic: bool, n: i32, z: usize, bias: usize, act: i32, alpha: f32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const v = f32x4.add(v128.load(z + o), v128.load(bias + o));
    v128.store(z + o, generic ? activate4(act, v, alpha) : forward4(op, v, alpha));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    v128.store32_lane(z + o, activate4(act, f32x4.add(v128.load32_splat(z + o), v128.load32_splat(bias + o)), alpha), 0);
  }
}

/**
 * z(n) = act(z + bias): bias and activation over one row of outputs (dense.ts, quantized.ts); the
 * cheap activations inline, since a call to activate4 per vector costs as much as they do.
 */
export function epilogueRow(n: i32, z: usize, bias: usize, act: i32, alpha: f32): void {
  if (act == RELU) biasActRow(RELU, false, n, z, bias, act, alpha);
  else if (act == IDENTITY) biasActRow(IDENTITY, false, n, z, bias, act, alpha);
  else if (act == LEAKY) biasActRow(LEAKY, false, n, z, bias, act, alpha);
  else biasActRow(0, true, n, z, bias, act, alpha);
}

// Four consecutive 32-bit values from p (f32 or i32 alike: the bits are moved, not converted),
// lanes past nr (1..4) repeating the last valid one; the partial-tile twin of store4.
// @ts-ignore: decorator
@inline export function load4(p: usize, nr: i32): v128 {
  if (nr == 4) return v128.load(p);
  return i32x4(load<i32>(p), load<i32>(p + (<usize>min(1, nr - 1) << 2)), load<i32>(p + (<usize>min(2, nr - 1) << 2)), load<i32>(p + (<usize>min(3, nr - 1) << 2)));
}

// The first nr (1..4) lanes of v to z.
// @ts-ignore: decorator
@inline export function store4(z: usize, v: v128, nr: i32): void {
  if (nr == 4) {
    v128.store(z, v);
  } else {
    v128.store32_lane(z, v, 0);
    if (nr > 1) v128.store32_lane(z, v, 1, 4);
    if (nr > 2) v128.store32_lane(z, v, 2, 8);
  }
}
