// In-place optimizer updates over a flat parameter vector w(n) with its gradient g(n).

/** w −= lr·g. */
export function sgd_step(n: i32, g: usize, w: usize, lr: f32): void {
  const vlr = f32x4.splat(lr);
  const n4 = n & ~3;
  let i = 0;
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
