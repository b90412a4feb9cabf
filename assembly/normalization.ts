// Normalization of a dense layer's pre-activations z (m samples × n units), before the activation:
// layer normalization (each sample over its units) and batch normalization (each unit over the
// batch in training, over its moving statistics at inference), both with a learnable scale γ and
// offset β: y = γ ∘ x̂ + β, x̂ = (z − mean)/√(variance + ε). Variances are biased (divided by the
// count, as Keras). Rows are contiguous, so every loop runs along a row, four units at a time, with
// a one-unit tail; each sum runs over its samples or units in one fixed order.

/** 1/√(v + ε) on four lanes. */
// @ts-ignore: decorator
@inline function rsqrt4(v: v128, epsilon: f32): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.sqrt(f32x4.add(v, f32x4.splat(epsilon))));
}

// @ts-ignore: decorator
@inline function rsqrt(v: f32, epsilon: f32): f32 {
  return 1 / Mathf.sqrt(v + epsilon);
}

/**
 * Layer norm of one row z(n) whose plain sums overflow (|z| near float32's limit): the row times c = 2^-e
 * (exact, 2^e ≤ max|z| < 2^(e+1)) has a mean and a sum of squares that cannot overflow, and
 * x̂ = (z·c − mean_c)/√(var_c + ε·c²). Writes xhat(n) and y(n) (either may be z) and returns invstd;
 * NaN, writing nothing, when the row holds a non-finite value (the plain path's result then stands).
 */
function layerNormRowScaled(n: i32, zr: usize, gamma: usize, beta: usize, xr: usize, yr: usize, epsilon: f32): f32 {
  let big: f32 = 0;
  for (let j = 0; j < n; j++) big = Mathf.max(big, Mathf.abs(load<f32>(zr + (<usize>j << 2))));
  if (!isFinite(big) || big < 1) return NaN;
  const back = reinterpret<f32>(reinterpret<u32>(big) & 0x7f800000); // 2^e
  const c: f32 = <f32>1 / back;
  const inv = <f32>1 / <f32>n;
  let s: f32 = 0;
  for (let j = 0; j < n; j++) s += load<f32>(zr + (<usize>j << 2)) * c;
  const mc = s * inv;
  let q: f32 = 0;
  for (let j = 0; j < n; j++) {
    const d = load<f32>(zr + (<usize>j << 2)) * c - mc;
    q += d * d;
  }
  const rc = <f32>1 / Mathf.sqrt(q * inv + epsilon * c * c);
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 2;
    const x = (load<f32>(zr + o) * c - mc) * rc;
    store<f32>(xr + o, x);
    store<f32>(yr + o, load<f32>(gamma + o) * x + load<f32>(beta + o));
  }
  return rc * c;
}

/**
 * Per row of z(m×n): invstd(m) = 1/√(var + ε), xhat(m×n) = (z − mean)·invstd, y(m×n) = γ(n)∘xhat + β(n).
 * In place allowed: xhat may be z, y may be xhat (then y is what remains).
 */
export function layer_norm_forward(m: i32, n: i32, z: usize, gamma: usize, beta: usize, xhat: usize, y: usize, invstd: usize, epsilon: f32): void {
  const n4 = n & ~3;
  const inv = <f32>1 / <f32>n;
  for (let i = 0; i < m; i++) {
    const row = <usize>i * <usize>n * 4;
    const zr = z + row;
    let vs = f32x4.splat(0);
    let j = 0;
    for (; j < n4; j += 4) vs = f32x4.add(vs, v128.load(zr + (<usize>j << 2)));
    let s = (f32x4.extract_lane(vs, 0) + f32x4.extract_lane(vs, 2)) + (f32x4.extract_lane(vs, 1) + f32x4.extract_lane(vs, 3));
    for (; j < n; j++) s += load<f32>(zr + (<usize>j << 2));
    const mean = s * inv;
    const mv = f32x4.splat(mean);
    let vq = f32x4.splat(0);
    for (j = 0; j < n4; j += 4) {
      const d = f32x4.sub(v128.load(zr + (<usize>j << 2)), mv);
      vq = f32x4.add(vq, f32x4.mul(d, d));
    }
    let q = (f32x4.extract_lane(vq, 0) + f32x4.extract_lane(vq, 2)) + (f32x4.extract_lane(vq, 1) + f32x4.extract_lane(vq, 3));
    for (; j < n; j++) {
      const d = load<f32>(zr + (<usize>j << 2)) - mean;
      q += d * d;
    }
    // The plain sums overflow only for |z| near float32's limit: that row is redone scaled by a power of two (as BLAS snrm2 scales).
    if (!isFinite(q)) {
      const scaled = layerNormRowScaled(n, zr, gamma, beta, xhat + row, y + row, epsilon);
      if (!isNaN(scaled)) {
        store<f32>(invstd + (<usize>i << 2), scaled);
        continue;
      }
    }
    const r = rsqrt(q * inv, epsilon);
    store<f32>(invstd + (<usize>i << 2), r);
    const rv = f32x4.splat(r);
    for (j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const x = f32x4.mul(f32x4.sub(v128.load(zr + o), mv), rv);
      v128.store(xhat + row + o, x);
      v128.store(y + row + o, f32x4.add(f32x4.mul(v128.load(gamma + o), x), v128.load(beta + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const x = (load<f32>(zr + o) - mean) * r;
      store<f32>(xhat + row + o, x);
      store<f32>(y + row + o, load<f32>(gamma + o) * x + load<f32>(beta + o));
    }
  }
}

/**
 * Adjoint of layer_norm_forward from dy(m×n): dgamma(n) = Σ_rows dy∘xhat, dbeta(n) = Σ_rows dy, and per
 * row, with g = γ∘dy: dz = invstd·(g − mean(g) − xhat·mean(g∘xhat)). dz may be dy.
 */
export function layer_norm_backward(m: i32, n: i32, xhat: usize, invstd: usize, gamma: usize, dy: usize, dz: usize, dgamma: usize, dbeta: usize): void {
  const n4 = n & ~3;
  const inv = <f32>1 / <f32>n;
  memory.fill(dgamma, 0, <usize>n * 4);
  memory.fill(dbeta, 0, <usize>n * 4);
  for (let i = 0; i < m; i++) {
    const row = <usize>i * <usize>n * 4;
    let v1 = f32x4.splat(0), v2 = f32x4.splat(0);
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(dy + row + o), x = v128.load(xhat + row + o);
      const g = f32x4.mul(d, v128.load(gamma + o));
      v1 = f32x4.add(v1, g);
      v2 = f32x4.add(v2, f32x4.mul(g, x));
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, x)));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
    }
    let s1 = (f32x4.extract_lane(v1, 0) + f32x4.extract_lane(v1, 2)) + (f32x4.extract_lane(v1, 1) + f32x4.extract_lane(v1, 3));
    let s2 = (f32x4.extract_lane(v2, 0) + f32x4.extract_lane(v2, 2)) + (f32x4.extract_lane(v2, 1) + f32x4.extract_lane(v2, 3));
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(dy + row + o), x = load<f32>(xhat + row + o);
      const g = d * load<f32>(gamma + o);
      s1 += g;
      s2 += g * x;
      store<f32>(dgamma + o, load<f32>(dgamma + o) + d * x);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
    }
    const r = load<f32>(invstd + (<usize>i << 2));
    const c1 = s1 * inv, c2 = s2 * inv;
    const rv = f32x4.splat(r), c1v = f32x4.splat(c1), c2v = f32x4.splat(c2);
    for (j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const g = f32x4.mul(v128.load(dy + row + o), v128.load(gamma + o));
      const x = v128.load(xhat + row + o);
      v128.store(dz + row + o, f32x4.mul(rv, f32x4.sub(f32x4.sub(g, c1v), f32x4.mul(x, c2v))));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const g = load<f32>(dy + row + o) * load<f32>(gamma + o);
      store<f32>(dz + row + o, r * ((g - c1) - load<f32>(xhat + row + o) * c2));
    }
  }
}

// acc(n) += f(row) for each row of x(m×n) in order: f = x (square false) or (x − mean)² (square true).
// @ts-ignore: decorator
@inline function sumRows(square: bool, m: i32, n: i32, x: usize, mean: usize, acc: usize): void {
  const n4 = n & ~3;
  memory.fill(acc, 0, <usize>n * 4);
  for (let i = 0; i < m; i++) {
    const row = x + <usize>i * <usize>n * 4;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      let v = v128.load(row + o);
      if (square) { v = f32x4.sub(v, v128.load(mean + o)); v = f32x4.mul(v, v); }
      v128.store(acc + o, f32x4.add(v128.load(acc + o), v));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(row + o);
      if (square) { v -= load<f32>(mean + o); v *= v; }
      store<f32>(acc + o, load<f32>(acc + o) + v);
    }
  }
  const inv = <f32>1 / <f32>m;
  for (let j = 0; j < n; j++) store<f32>(acc + (<usize>j << 2), load<f32>(acc + (<usize>j << 2)) * inv);
}

/**
 * Per unit of z(m×n): with training, mean(n) and variance(n) are computed over the m samples (and
 * written); without, they are read (the moving statistics). xhat(m×n) = (z − mean)/√(variance + ε),
 * y(m×n) = γ(n)∘xhat + β(n). In place allowed: xhat may be z, y may be xhat. A batch of one gives
 * variance 0 and xhat 0 (y = β).
 */
export function batch_norm_forward(m: i32, n: i32, z: usize, gamma: usize, beta: usize, mean: usize, variance: usize, xhat: usize, y: usize,
                                   epsilon: f32, training: bool): void {
  if (training) {
    sumRows(false, m, n, z, 0, mean);
    sumRows(true, m, n, z, mean, variance);
  }
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const row = <usize>i * <usize>n * 4;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      const x = f32x4.mul(f32x4.sub(v128.load(z + row + o), v128.load(mean + o)), rsqrt4(v128.load(variance + o), epsilon));
      v128.store(xhat + row + o, x);
      v128.store(y + row + o, f32x4.add(f32x4.mul(v128.load(gamma + o), x), v128.load(beta + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const x = (load<f32>(z + row + o) - load<f32>(mean + o)) * rsqrt(load<f32>(variance + o), epsilon);
      store<f32>(xhat + row + o, x);
      store<f32>(y + row + o, load<f32>(gamma + o) * x + load<f32>(beta + o));
    }
  }
}

/**
 * Adjoint of batch_norm_forward from dy(m×n): dbeta(n) = Σ_rows dy, dgamma(n) = Σ_rows dy∘xhat, and
 * with r = 1/√(variance + ε): training (batch statistics) dz = γ·r·(dy − (dbeta + xhat·dgamma)/m),
 * else (fixed statistics) dz = γ·r·dy. dz may be dy.
 */
export function batch_norm_backward(m: i32, n: i32, xhat: usize, variance: usize, gamma: usize, dy: usize, dz: usize, dgamma: usize, dbeta: usize,
                                    epsilon: f32, training: bool): void {
  const n4 = n & ~3;
  memory.fill(dgamma, 0, <usize>n * 4);
  memory.fill(dbeta, 0, <usize>n * 4);
  for (let i = 0; i < m; i++) {
    const row = <usize>i * <usize>n * 4;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(dy + row + o);
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, v128.load(xhat + row + o))));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(dy + row + o);
      store<f32>(dgamma + o, load<f32>(dgamma + o) + d * load<f32>(xhat + row + o));
      store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
    }
  }
  const inv = <f32>1 / <f32>m;
  const invv = f32x4.splat(inv);
  for (let i = 0; i < m; i++) {
    const row = <usize>i * <usize>n * 4;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      const s = f32x4.mul(v128.load(gamma + o), rsqrt4(v128.load(variance + o), epsilon));
      let d = v128.load(dy + row + o);
      if (training) {
        const c = f32x4.add(v128.load(dbeta + o), f32x4.mul(v128.load(xhat + row + o), v128.load(dgamma + o)));
        d = f32x4.sub(d, f32x4.mul(c, invv));
      }
      v128.store(dz + row + o, f32x4.mul(s, d));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const s = load<f32>(gamma + o) * rsqrt(load<f32>(variance + o), epsilon);
      let d = load<f32>(dy + row + o);
      if (training) d -= (load<f32>(dbeta + o) + load<f32>(xhat + row + o) * load<f32>(dgamma + o)) * inv;
      store<f32>(dz + row + o, s * d);
    }
  }
}

/** avg(n) = avg·momentum + x·(1 − momentum): Keras's update of the moving mean and variance. */
export function moving_average_step(n: i32, x: usize, avg: usize, momentum: f32): void {
  const keep = f32x4.splat(momentum), take = f32x4.splat(1 - momentum);
  const n4 = n & ~3;
  let j = 0;
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    v128.store(avg + o, f32x4.add(f32x4.mul(v128.load(avg + o), keep), f32x4.mul(v128.load(x + o), take)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(avg + o, load<f32>(avg + o) * momentum + load<f32>(x + o) * (1 - momentum));
  }
}
