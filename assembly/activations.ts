// Elementwise activations and their derivatives, plus row-wise softmax.
// Every backward kernel but swish's and gelu's reads the forward *output* a (never z): g′ is
// expressed through a, so the forward pass can overwrite z with a in place. swish and gelu are
// not monotonic, so a does not determine z: their backward kernels read z, which the network keeps.

import { exp4, hmax, hsum } from "./simd";

// Ops of the elementwise bodies (forward4 lives in simd.ts, shared with the fused dense kernel).
import { SIGMOID, TANH, RELU, LEAKY, ELU, SELU, SOFTSIGN, HARD_SIGMOID, SOFTPLUS, SWISH, GELU, SELU_SCALE, SELU_ALPHA, INV_SQRT_2PI, activate4, forward4, normalCdf4 } from "./simd";

// dz = da ∘ g′, with g′ written through the output a.
// @ts-ignore: decorator
@inline function backward4(op: i32, a: v128, da: v128, alpha: f32): v128 {
  if (op == SIGMOID) {
    return f32x4.mul(da, f32x4.mul(a, f32x4.sub(f32x4.splat(1), a)));
  } else if (op == TANH) {
    return f32x4.mul(da, f32x4.sub(f32x4.splat(1), f32x4.mul(a, a)));
  } else if (op == RELU) {
    return v128.and(da, f32x4.gt(a, f32x4.splat(0)));
  } else if (op == LEAKY) {
    return v128.bitselect(da, f32x4.mul(da, f32x4.splat(alpha)), f32x4.gt(a, f32x4.splat(0)));
  } else if (op == ELU) {
    // z < 0: a = e^z − 1, so g′ = e^z = a + 1.
    return v128.bitselect(da, f32x4.mul(da, f32x4.add(a, f32x4.splat(1))), f32x4.gt(a, f32x4.splat(0)));
  } else if (op == SELU) {
    // z < 0: a = λα(e^z − 1), so g′ = λα·e^z = a + λα.
    const neg = f32x4.add(a, f32x4.splat(SELU_SCALE * SELU_ALPHA));
    return f32x4.mul(da, v128.bitselect(f32x4.splat(SELU_SCALE), neg, f32x4.gt(a, f32x4.splat(0))));
  } else if (op == SOFTSIGN) {
    // g′ = 1/(1 + |z|)² = (1 − |a|)².
    const t = f32x4.sub(f32x4.splat(1), f32x4.abs(a));
    return f32x4.mul(da, f32x4.mul(t, t));
  } else if (op == SOFTPLUS) {
    // g′ = σ(z) = 1 − e^−a.
    return f32x4.mul(da, f32x4.sub(f32x4.splat(1), exp4(f32x4.neg(a))));
  } else {
    // HARD_SIGMOID: 1/6 on the slope (0 < a < 1), 0 where it is clipped.
    const slope = v128.and(f32x4.gt(a, f32x4.splat(0)), f32x4.lt(a, f32x4.splat(1)));
    return v128.and(f32x4.div(da, f32x4.splat(6)), slope);
  }
}

// dz = da ∘ g′(z) for the activations whose derivative needs their input z (swish, gelu); a call
// (like activate4), since inlining it into both loops of both kernels costs 2 KiB of module.
// @ts-ignore: decorator
@noinline function backwardFromInput4(op: i32, z: v128, da: v128): v128 {
  if (op == SWISH) {
    // g′ = σ + z·σ·(1 − σ).
    const s = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), exp4(f32x4.neg(z))));
    return f32x4.mul(da, f32x4.add(s, f32x4.mul(f32x4.mul(z, s), f32x4.sub(f32x4.splat(1), s))));
  }
  // GELU: g′ = Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π).
  const phi = f32x4.mul(f32x4.splat(INV_SQRT_2PI), exp4(f32x4.mul(f32x4.splat(-0.5), f32x4.mul(z, z))));
  return f32x4.mul(da, f32x4.add(normalCdf4(z), f32x4.mul(z, phi)));
}

// SIMD body plus a scalar tail that runs the same vector code on one lane.
// @ts-ignore: decorator
@inline function mapForward(op: i32, n: i32, z: usize, a: usize, alpha: f32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(a + o, forward4(op, v128.load(z + o), alpha));
  }
  // The tail calls activate4, the same forward4 not inlined a second time (same bits, half the code).
  for (; i < n; i++) {
    const o = <usize>i << 2;
    v128.store32_lane(a + o, activate4(op, v128.load32_zero(z + o), alpha), 0);
  }
}

// @ts-ignore: decorator
@inline function mapBackward(op: i32, n: i32, a: usize, da: usize, dz: usize, alpha: f32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dz + o, backward4(op, v128.load(a + o), v128.load(da + o), alpha));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    v128.store32_lane(dz + o, backward4(op, v128.load32_zero(a + o), v128.load32_zero(da + o), alpha), 0);
  }
}

/** a(n) = σ(z) = 1/(1 + e^−z). In place when a == z. */
export function sigmoid_forward(n: i32, z: usize, a: usize): void { mapForward(SIGMOID, n, z, a, 0); }
/** dz(n) = da ∘ a ∘ (1 − a). */
export function sigmoid_backward(n: i32, a: usize, da: usize, dz: usize): void { mapBackward(SIGMOID, n, a, da, dz, 0); }
/** a(n) = tanh(z). */
export function tanh_forward(n: i32, z: usize, a: usize): void { mapForward(TANH, n, z, a, 0); }
/** dz(n) = da ∘ (1 − a²). */
export function tanh_backward(n: i32, a: usize, da: usize, dz: usize): void { mapBackward(TANH, n, a, da, dz, 0); }
/** a(n) = max(z, 0). */
export function relu_forward(n: i32, z: usize, a: usize): void { mapForward(RELU, n, z, a, 0); }
/** dz(n) = da where a > 0, else 0 (the kink at 0 takes the zero side). */
export function relu_backward(n: i32, a: usize, da: usize, dz: usize): void { mapBackward(RELU, n, a, da, dz, 0); }
/** a(n) = z where z > 0, else alpha·z (0 < alpha < 1). */
export function leaky_relu_forward(n: i32, z: usize, a: usize, alpha: f32): void { mapForward(LEAKY, n, z, a, alpha); }
/** dz(n) = da where a > 0, else alpha·da. */
export function leaky_relu_backward(n: i32, a: usize, da: usize, dz: usize, alpha: f32): void { mapBackward(LEAKY, n, a, da, dz, alpha); }

/** a(n) = z where z > 0, else e^z − 1. */
export function elu_forward(n: i32, z: usize, a: usize): void { mapForward(ELU, n, z, a, 0); }
/** dz(n) = da where a > 0, else da ∘ (a + 1). */
export function elu_backward(n: i32, a: usize, da: usize, dz: usize): void { mapBackward(ELU, n, a, da, dz, 0); }
/** a(n) = λ·z where z > 0, else λα(e^z − 1) (λ ≈ 1.0507, α ≈ 1.6733). */
export function selu_forward(n: i32, z: usize, a: usize): void { mapForward(SELU, n, z, a, 0); }
/** dz(n) = λ·da where a > 0, else da ∘ (a + λα). */
export function selu_backward(n: i32, a: usize, da: usize, dz: usize): void { mapBackward(SELU, n, a, da, dz, 0); }
/** a(n) = z / (1 + |z|). */
export function softsign_forward(n: i32, z: usize, a: usize): void { mapForward(SOFTSIGN, n, z, a, 0); }
/** dz(n) = da ∘ (1 − |a|)². */
export function softsign_backward(n: i32, a: usize, da: usize, dz: usize): void { mapBackward(SOFTSIGN, n, a, da, dz, 0); }
/** a(n) = min(max(z + 3, 0), 6) / 6. */
export function hard_sigmoid_forward(n: i32, z: usize, a: usize): void { mapForward(HARD_SIGMOID, n, z, a, 0); }
/** dz(n) = da/6 where 0 < a < 1, else 0. */
export function hard_sigmoid_backward(n: i32, a: usize, da: usize, dz: usize): void { mapBackward(HARD_SIGMOID, n, a, da, dz, 0); }

/** a(n) = ln(1 + e^z). */
export function softplus_forward(n: i32, z: usize, a: usize): void { mapForward(SOFTPLUS, n, z, a, 0); }
/** dz(n) = da ∘ (1 − e^−a) (= σ(z)). */
export function softplus_backward(n: i32, a: usize, da: usize, dz: usize): void { mapBackward(SOFTPLUS, n, a, da, dz, 0); }

// mapBackward for backwardFromInput4: reads z instead of a.
// @ts-ignore: decorator
@inline function mapBackwardFromInput(op: i32, n: i32, z: usize, da: usize, dz: usize): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dz + o, backwardFromInput4(op, v128.load(z + o), v128.load(da + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    v128.store32_lane(dz + o, backwardFromInput4(op, v128.load32_zero(z + o), v128.load32_zero(da + o)), 0);
  }
}

/** a(n) = z·σ(z) (swish, also called silu). */
export function swish_forward(n: i32, z: usize, a: usize): void { mapForward(SWISH, n, z, a, 0); }
/** dz(n) = da ∘ (σ(z) + z·σ(z)·(1 − σ(z))): reads the forward's input z, not its output. */
export function swish_backward(n: i32, z: usize, da: usize, dz: usize): void { mapBackwardFromInput(SWISH, n, z, da, dz); }
/** a(n) = z·Φ(z), Φ the standard normal CDF (exact erf form). */
export function gelu_forward(n: i32, z: usize, a: usize): void { mapForward(GELU, n, z, a, 0); }
/** dz(n) = da ∘ (Φ(z) + z·φ(z)): reads the forward's input z, not its output. */
export function gelu_backward(n: i32, z: usize, da: usize, dz: usize): void { mapBackwardFromInput(GELU, n, z, da, dz); }

/** a(m×n) = softmax of each row of z, max-subtracted so large logits do not overflow. */
export function softmax_forward(m: i32, n: i32, z: usize, a: usize): void {
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const zr = z + <usize>i * <usize>n * 4;
    const ar = a + <usize>i * <usize>n * 4;
    let vmax = f32x4.splat(-Infinity);
    let j = 0;
    for (; j < n4; j += 4) vmax = f32x4.max(vmax, v128.load(zr + (<usize>j << 2)));
    let zmax = hmax(vmax);
    for (; j < n; j++) zmax = max(zmax, load<f32>(zr + (<usize>j << 2)));
    const shift = f32x4.splat(zmax);
    let vsum = f32x4.splat(0);
    let tail: f32 = 0;
    for (j = 0; j < n4; j += 4) {
      const e = exp4(f32x4.sub(v128.load(zr + (<usize>j << 2)), shift));
      v128.store(ar + (<usize>j << 2), e);
      vsum = f32x4.add(vsum, e);
    }
    for (; j < n; j++) {
      const e = exp4(f32x4.sub(v128.load32_zero(zr + (<usize>j << 2)), shift));
      v128.store32_lane(ar + (<usize>j << 2), e, 0);
      tail += f32x4.extract_lane(e, 0);
    }
    const inv = f32x4.splat(1 / (hsum(vsum) + tail));
    for (j = 0; j < n4; j += 4) v128.store(ar + (<usize>j << 2), f32x4.mul(v128.load(ar + (<usize>j << 2)), inv));
    for (; j < n; j++) store<f32>(ar + (<usize>j << 2), load<f32>(ar + (<usize>j << 2)) * f32x4.extract_lane(inv, 0));
  }
}

/** dz(m×n) = a ∘ (da − Σ_j da_j·a_j) for each row: the softmax Jacobian applied to da. */
export function softmax_backward(m: i32, n: i32, a: usize, da: usize, dz: usize): void {
  for (let i = 0; i < m; i++) {
    const row = <usize>i * <usize>n * 4;
    let dot: f32 = 0;
    for (let j = 0; j < n; j++) dot += load<f32>(da + row + (<usize>j << 2)) * load<f32>(a + row + (<usize>j << 2));
    for (let j = 0; j < n; j++) {
      const o = row + (<usize>j << 2);
      store<f32>(dz + o, load<f32>(a + o) * (load<f32>(da + o) - dot));
    }
  }
}
