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
