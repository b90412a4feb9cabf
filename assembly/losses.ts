// Loss values and gradients over n = m·units elements (a: predictions, y: targets).
// Values are sums (the caller divides by the batch); gradients take the caller's scale,
// usually 1/m. Probabilities are clamped to [EPS, 1 − EPS] before any log, as Keras does,
// so a prediction of exactly 0 or 1 gives a large finite loss instead of ∞.

// @ts-ignore: decorator
@inline const EPS: f32 = 1e-7;

// @ts-ignore: decorator
@inline function clampProb(p: f32): f32 {
  return min(max(p, EPS), <f32>1 - EPS);
}

/** Σ −[y·log p + (1 − y)·log(1 − p)], p = clamp(a). */
export function bce_value(n: i32, a: usize, y: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const p = <f64>clampProb(load<f32>(a + o));
    const t = <f64>load<f32>(y + o);
    s -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
  }
  return s;
}

/** da(n) = scale · (p − y) / (p·(1 − p)), p = clamp(a). */
export function bce_grad(n: i32, a: usize, y: usize, da: usize, scale: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const p = clampProb(load<f32>(a + o));
    store<f32>(da + o, scale * (p - load<f32>(y + o)) / (p * (1 - p)));
  }
}

/** Σ −y·log p, p = clamp(a). */
export function cce_value(n: i32, a: usize, y: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const t = load<f32>(y + o);
    if (t != 0) s -= <f64>t * Math.log(<f64>clampProb(load<f32>(a + o)));
  }
  return s;
}

/** da(n) = −scale · y / p, p = clamp(a). */
export function cce_grad(n: i32, a: usize, y: usize, da: usize, scale: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(da + o, -scale * load<f32>(y + o) / clampProb(load<f32>(a + o)));
  }
}

/** Σ (a − y)². */
export function mse_value(n: i32, a: usize, y: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = <f64>load<f32>(a + o) - <f64>load<f32>(y + o);
    s += d * d;
  }
  return s;
}

// scale·(a − y)·factor over n elements, SIMD body and scalar tail.
// @ts-ignore: decorator
@inline function scaledDiff(n: i32, a: usize, y: usize, out: usize, scale: f32): void {
  const s = f32x4.splat(scale);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(s, f32x4.sub(v128.load(a + o), v128.load(y + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, scale * (load<f32>(a + o) - load<f32>(y + o)));
  }
}

/** da(n) = 2·scale·(a − y). */
export function mse_grad(n: i32, a: usize, y: usize, da: usize, scale: f32): void {
  scaledDiff(n, a, y, da, 2 * scale);
}

/** dz(n) = scale·(a − y): sigmoid output with binary cross-entropy, through z directly. */
export function sigmoid_bce_grad(n: i32, a: usize, y: usize, dz: usize, scale: f32): void {
  scaledDiff(n, a, y, dz, scale);
}

/** dz(n) = scale·(a − y): softmax output with categorical cross-entropy (one-hot y). */
export function softmax_cce_grad(n: i32, a: usize, y: usize, dz: usize, scale: f32): void {
  scaledDiff(n, a, y, dz, scale);
}

/** Σ |a − y|. */
export function mae_value(n: i32, a: usize, y: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    s += Math.abs(<f64>load<f32>(a + o) - <f64>load<f32>(y + o));
  }
  return s;
}

/** da(n) = scale·sign(a − y) (0 where a = y). */
export function mae_grad(n: i32, a: usize, y: usize, da: usize, scale: f32): void {
  const s = f32x4.splat(scale), zero = f32x4.splat(0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(a + o), v128.load(y + o));
    const pos = v128.and(s, f32x4.gt(d, zero)), neg = v128.and(f32x4.neg(s), f32x4.lt(d, zero));
    v128.store(da + o, v128.or(pos, neg));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(a + o) - load<f32>(y + o);
    store<f32>(da + o, d > 0 ? scale : d < 0 ? -scale : 0);
  }
}

/** Σ huber(a − y): ½d² where |d| ≤ δ, else δ·(|d| − ½δ). */
export function huber_value(n: i32, a: usize, y: usize, delta: f32): f64 {
  const dl = <f64>delta;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = Math.abs(<f64>load<f32>(a + o) - <f64>load<f32>(y + o));
    s += d <= dl ? 0.5 * d * d : dl * (d - 0.5 * dl);
  }
  return s;
}

/** da(n) = scale·clamp(a − y, −δ, δ). */
export function huber_grad(n: i32, a: usize, y: usize, da: usize, scale: f32, delta: f32): void {
  const s = f32x4.splat(scale), hi = f32x4.splat(delta), lo = f32x4.splat(-delta);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(a + o), v128.load(y + o));
    v128.store(da + o, f32x4.mul(s, f32x4.min(f32x4.max(d, lo), hi)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(da + o, scale * min(max(load<f32>(a + o) - load<f32>(y + o), -delta), delta));
  }
}

/** Σ max(1 − t·a, 0), t = +1 where y > 0 and −1 elsewhere (so {0, 1} and {−1, 1} labels both work). */
export function hinge_value(n: i32, a: usize, y: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const t: f64 = load<f32>(y + o) > 0 ? 1 : -1;
    s += Math.max(1 - t * <f64>load<f32>(a + o), 0);
  }
  return s;
}

/** da(n) = −scale·t where t·a < 1, else 0 (t as in hinge_value). */
export function hinge_grad(n: i32, a: usize, y: usize, da: usize, scale: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const t: f32 = load<f32>(y + o) > 0 ? 1 : -1;
    store<f32>(da + o, t * load<f32>(a + o) < 1 ? -scale * t : 0);
  }
}

/** x(m×n): row i ·= w[i] (per-sample weights on a batch's loss gradient). */
export function scale_rows(m: i32, n: i32, x: usize, w: usize): void {
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const wi = load<f32>(w + (<usize>i << 2));
    const vw = f32x4.splat(wi);
    const row = x + <usize>i * <usize>n * 4;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.mul(v128.load(row + o), vw));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, load<f32>(row + o) * wi);
    }
  }
}
