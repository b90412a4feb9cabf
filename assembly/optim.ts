// In-place optimizer updates over a flat parameter vector w(n) with its gradient g(n).

/** w −= lr·g. */
export function sgd_step(n: i32, g: usize, w: usize, lr: f32): void {
  const vlr = f32x4.splat(lr);
  const n16 = n & ~15, n4 = n & ~3;
  let i = 0;
  // Sixteen floats a turn: fewer loop instructions per float (the pass is bound by them, not by the arithmetic).
  for (; i < n16; i += 16) {
    const wo = w + (<usize>i << 2), go = g + (<usize>i << 2);
    v128.store(wo, f32x4.sub(v128.load(wo), f32x4.mul(vlr, v128.load(go))));
    v128.store(wo, f32x4.sub(v128.load(wo, 16), f32x4.mul(vlr, v128.load(go, 16))), 16);
    v128.store(wo, f32x4.sub(v128.load(wo, 32), f32x4.mul(vlr, v128.load(go, 32))), 32);
    v128.store(wo, f32x4.sub(v128.load(wo, 48), f32x4.mul(vlr, v128.load(go, 48))), 48);
  }
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(vlr, v128.load(g + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(w + o, load<f32>(w + o) - lr * load<f32>(g + o));
  }
}

/** v = μ·v − lr·g; w += v (Keras/Sutskever form). */
export function momentum_step(n: i32, g: usize, w: usize, v: usize, lr: f32, momentum: f32): void {
  const vlr = f32x4.splat(lr), vmu = f32x4.splat(momentum);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const vel = f32x4.sub(f32x4.mul(vmu, v128.load(v + o)), f32x4.mul(vlr, v128.load(g + o)));
    v128.store(v + o, vel);
    v128.store(w + o, f32x4.add(v128.load(w + o), vel));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const vel = momentum * load<f32>(v + o) - lr * load<f32>(g + o);
    store<f32>(v + o, vel);
    store<f32>(w + o, load<f32>(w + o) + vel);
  }
}

/**
 * Adam (Kingma & Ba, Algorithm 1): m += (1−β1)·(g − m); v += (1−β2)·(g² − v);
 * w −= lr·(m·c1) / (√(v·c2) + ε), with bias corrections c1 = 1/(1−β1ᵗ), c2 = 1/(1−β2ᵗ).
 * Takes the complements 1−β rather than β: f32(0.999) is off by 1.3e-8, which is 1.3e-5 of 1−β2.
 */
export function adam_step(n: i32, g: usize, w: usize, m: usize, v: usize, lr: f32, one_minus_beta1: f32, one_minus_beta2: f32, epsilon: f32, c1: f32, c2: f32): void {
  const ob1 = f32x4.splat(one_minus_beta1), ob2 = f32x4.splat(one_minus_beta2);
  const vlr = f32x4.splat(lr), veps = f32x4.splat(epsilon), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    let mi = v128.load(m + o), vi = v128.load(v + o);
    mi = f32x4.add(mi, f32x4.mul(ob1, f32x4.sub(gi, mi)));
    vi = f32x4.add(vi, f32x4.mul(ob2, f32x4.sub(f32x4.mul(gi, gi), vi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const step = f32x4.div(f32x4.mul(vlr, f32x4.mul(mi, vc1)), f32x4.add(f32x4.sqrt(f32x4.mul(vi, vc2)), veps));
    v128.store(w + o, f32x4.sub(v128.load(w + o), step));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    let mi = load<f32>(m + o), vi = load<f32>(v + o);
    mi += one_minus_beta1 * (gi - mi);
    vi += one_minus_beta2 * (gi * gi - vi);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(w + o, load<f32>(w + o) - lr * (mi * c1) / (Mathf.sqrt(vi * c2) + epsilon));
  }
}

/** RMSprop (Keras, no momentum, not centered): v += (1−ρ)·(g² − v); w −= lr·g / (√v + ε). */
export function rmsprop_step(n: i32, g: usize, w: usize, v: usize, lr: f32, one_minus_rho: f32, epsilon: f32): void {
  const orho = f32x4.splat(one_minus_rho), vlr = f32x4.splat(lr), veps = f32x4.splat(epsilon);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    let vi = v128.load(v + o);
    vi = f32x4.add(vi, f32x4.mul(orho, f32x4.sub(f32x4.mul(gi, gi), vi)));
    v128.store(v + o, vi);
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.div(f32x4.mul(vlr, gi), f32x4.add(f32x4.sqrt(vi), veps))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    let vi = load<f32>(v + o);
    vi += one_minus_rho * (gi * gi - vi);
    store<f32>(v + o, vi);
    store<f32>(w + o, load<f32>(w + o) - (lr * gi) / (Mathf.sqrt(vi) + epsilon));
  }
}

/** Adagrad (Keras 3): acc += g²; w −= lr·g / √(acc + ε). */
export function adagrad_step(n: i32, g: usize, w: usize, acc: usize, lr: f32, epsilon: f32): void {
  const vlr = f32x4.splat(lr), veps = f32x4.splat(epsilon);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const ai = f32x4.add(v128.load(acc + o), f32x4.mul(gi, gi));
    v128.store(acc + o, ai);
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.div(f32x4.mul(vlr, gi), f32x4.sqrt(f32x4.add(ai, veps)))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const ai = load<f32>(acc + o) + gi * gi;
    store<f32>(acc + o, ai);
    store<f32>(w + o, load<f32>(w + o) - (lr * gi) / Mathf.sqrt(ai + epsilon));
  }
}

/** SGD with Nesterov momentum (Keras 3): v = μ·v − lr·g; w += μ·v − lr·g. */
export function nesterov_step(n: i32, g: usize, w: usize, v: usize, lr: f32, momentum: f32): void {
  const vlr = f32x4.splat(lr), vmu = f32x4.splat(momentum);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const step = f32x4.mul(vlr, v128.load(g + o));
    const vel = f32x4.sub(f32x4.mul(vmu, v128.load(v + o)), step);
    v128.store(v + o, vel);
    v128.store(w + o, f32x4.add(v128.load(w + o), f32x4.sub(f32x4.mul(vmu, vel), step)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const step = lr * load<f32>(g + o);
    const vel = momentum * load<f32>(v + o) - step;
    store<f32>(v + o, vel);
    store<f32>(w + o, load<f32>(w + o) + (momentum * vel - step));
  }
}

/** w ·= factor: decoupled weight decay (AdamW's w −= lr·λ·w, as factor = 1 − lr·λ). */
export function scale_step(n: i32, w: usize, factor: f32): void {
  const vf = f32x4.splat(factor);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(w + o, f32x4.mul(v128.load(w + o), vf));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(w + o, load<f32>(w + o) * factor);
  }
}

/** g clipped to [−c, c] elementwise (Keras's clipvalue). */
export function clip_values(n: i32, g: usize, c: f32): void {
  const hi = f32x4.splat(c), lo = f32x4.splat(-c);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(g + o, f32x4.min(f32x4.max(v128.load(g + o), lo), hi));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(g + o, min(max(load<f32>(g + o), -c), c));
  }
}

/** Σ x² over n floats, accumulated in f64 (a global gradient norm over ~10⁶ values stays exact to f32). */
export function sum_squares(n: i32, x: usize): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

/** g(n) += 2·l2·w + l1·sign(w): the gradient of a kernel penalty l1·Σ|w| + l2·Σw² (Keras's L1L2). */
export function penalty_grad(n: i32, w: usize, g: usize, l1: f32, l2: f32): void {
  const v1 = f32x4.splat(l1), v2 = f32x4.splat(2 * l2), zero = f32x4.splat(0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const wi = v128.load(w + o);
    const sign = v128.or(v128.and(v1, f32x4.gt(wi, zero)), v128.and(f32x4.neg(v1), f32x4.lt(wi, zero)));
    v128.store(g + o, f32x4.add(v128.load(g + o), f32x4.add(f32x4.mul(v2, wi), sign)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    store<f32>(g + o, load<f32>(g + o) + (2 * l2 * wi + (wi > 0 ? l1 : wi < 0 ? -l1 : 0)));
  }
}

/** l1·Σ|w| + l2·Σw², accumulated in f64. */
export function penalty_value(n: i32, w: usize, l1: f32, l2: f32): f64 {
  let a: f64 = 0, s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(w + (<usize>i << 2));
    a += Math.abs(v);
    s += v * v;
  }
  return <f64>l1 * a + <f64>l2 * s;
}
