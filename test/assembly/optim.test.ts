// sgd_step, momentum_step and adam_step against the reference network's float64 updates,
// over several steps and lengths that are not multiples of 4.
import { beforeAll, expect, test } from "vitest";
import type { OptimizerSpec } from "../../src/config.js";
import { OPTIMIZERS, parseOptimizer } from "../../src/config.js";
import { optimizerOp } from "../../src/optimizers.js";
import type { Runtime } from "../../src/runtime.js";
import { Random, expectClose, randomArray, region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => {
  rt = await setup();
});

/** The textbook update rules written out in float64, independently of the table's references. */
function textbook(o: OptimizerSpec, w: Float64Array, g: ArrayLike<number>, s: Float64Array[], t: number): void {
  for (let j = 0; j < w.length; j++) {
    if (o.type === "sgd") w[j] -= o.learningRate * g[j];
    else if (o.type === "momentum") {
      s[0][j] = o.momentum * s[0][j] - o.learningRate * g[j];
      w[j] += s[0][j];
    } else if (o.type === "adam") {
      s[0][j] = o.beta1 * s[0][j] + (1 - o.beta1) * g[j];
      s[1][j] = o.beta2 * s[1][j] + (1 - o.beta2) * g[j] * g[j];
      w[j] -= (o.learningRate * s[0][j]) / (1 - o.beta1 ** t) / (Math.sqrt(s[1][j] / (1 - o.beta2 ** t)) + o.epsilon);
    }
  }
}

test.each([...OPTIMIZERS])("%s: the kernel matches the table's float64 reference over 5 steps", (type) => {
  const rng = new Random(11);
  const spec = parseOptimizer({ type, learningRate: 0.05 });
  for (const n of [1, 3, 4, 5, 17, 130]) {
    const w0 = randomArray(rng, n);
    const rw = region(rt, w0);
    const states = Array.from({ length: optimizerOp(spec).states }, () => region(rt, n));
    const ref = Float64Array.from(w0);
    const refStates = states.map(() => new Float64Array(n));
    for (let t = 1; t <= 5; t++) {
      const g = randomArray(rng, n);
      const rg = region(rt, g);
      optimizerOp(spec).kernels.step(
        rt.kernels,
        n,
        rg.ptr,
        rw.ptr,
        states.map((s) => s.ptr),
        spec,
        t,
      );
      optimizerOp(spec).reference.step(ref, g, refStates, spec, t);
      rg.dispose();
    }
    expectClose(rw.view, ref, 1e-6, `${type} n=${n}`);
    expect(rw.view.some((v, i) => v !== w0[i])).toBe(true);
    [rw, ...states].forEach((r) => r.dispose());
  }
});

test.each(["sgd", "momentum", "adam"] as const)("%s: the table's reference is the textbook rule", (type) => {
  const rng = new Random(12);
  const spec = parseOptimizer({ type, learningRate: 0.05 });
  const n = 9,
    w0 = randomArray(rng, n);
  const [a, b] = [Float64Array.from(w0), Float64Array.from(w0)];
  const [sa, sb] = [0, 1].map(() => Array.from({ length: optimizerOp(spec).states }, () => new Float64Array(n)));
  for (let t = 1; t <= 5; t++) {
    const g = randomArray(rng, n);
    optimizerOp(spec).reference.step(a, g, sa, spec, t);
    textbook(spec, b, g, sb, t);
  }
  expectClose(a, b, 1e-15, type);
});

test("the new optimizers follow Keras's update rules, written out", () => {
  const g = [0.5, -2],
    w0 = [1, -1];
  const run = (options: object, steps: number) => {
    const spec = parseOptimizer(options);
    const w = Float64Array.from(w0);
    const s = Array.from({ length: optimizerOp(spec).states }, (_, i) => new Float64Array(2).fill(optimizerOp(spec).initial?.(spec)[i] ?? 0));
    for (let t = 1; t <= steps; t++) optimizerOp(spec).reference.step(w, g, s, spec, t);
    return Array.from(w);
  };
  // Nesterov, one step from v = 0: v = −lr·g; w += μ·v − lr·g = −(1 + μ)·lr·g.
  const nes = run({ type: "nesterov", learningRate: 0.1, momentum: 0.9 }, 1);
  g.forEach((gi, i) => expect(nes[i]).toBeCloseTo(w0[i] - 1.9 * 0.1 * gi, 14));
  // Adagrad from the initial accumulator 0.1: acc = 0.1 + g²; w −= lr·g/√(acc + ε).
  const ada = run({ type: "adagrad", learningRate: 0.1 }, 1);
  g.forEach((gi, i) => expect(ada[i]).toBeCloseTo(w0[i] - (0.1 * gi) / Math.sqrt(0.1 + gi * gi + 1e-7), 14));
  // RMSprop from v = 0: v = (1−ρ)·g²; w −= lr·g/(√v + ε).
  const rms = run({ type: "rmsprop", learningRate: 0.01, rho: 0.9 }, 1);
  g.forEach((gi, i) => expect(rms[i]).toBeCloseTo(w0[i] - (0.01 * gi) / (Math.sqrt(0.1 * gi * gi) + 1e-7), 14));
  // AdamW = Adam after w −= lr·λ·w.
  const adam = run({ type: "adam", learningRate: 0.01 }, 1),
    adamw = run({ type: "adamw", learningRate: 0.01, weightDecay: 0.5 }, 1);
  w0.forEach((wi, i) => expect(adamw[i]).toBeCloseTo(adam[i] - 0.01 * 0.5 * wi, 14));
});
