// The lifetime rule (docs/graph.md) as a property: random programs of ops over two variables,
// with nested tidy scopes that return random tensors, and random disposals. Every backward()
// from a tensor still held either succeeds with the gradients a float64 replay of the same
// program computes, or (using a disposed tensor in a new op) refuses naming it; at the end,
// memory is back where it started. Then the cases issue 24 names, one by one.
import fc from "fast-check";
import { beforeAll, expect, test } from "vitest";
import { init, memoryStats } from "wasmlp";
import * as g from "wasmlp/graph";
import { type Tensor, grads, tensor, tidy, variable } from "wasmlp/graph";
import { Random } from "../../src/random.js";
import { expectClose } from "../helpers.js";

beforeAll(async () => {
  await init();
});

const bytes = (): number => memoryStats().bytesInUse;

/** Bounded ops on [3]-vectors, so that random chains stay finite. */
const OPS: ((a: Tensor, b: Tensor) => Tensor)[] = [
  (a, b) => g.add(a, b),
  (a, b) => g.sub(a, b),
  (a, b) => g.mul(g.tanh(a), b),
  (a) => g.sigmoid(a),
  (a) => g.logSoftmax(a),
  (a) => g.clip(a, -0.5, 0.5),
  (a) => g.softmax(a),
  (a, b) => g.div(a, g.add(g.square(b), 1)),
  (a) => g.gelu(a),
];

let refusals = 0;

type Step = { op: number; args: [number, number] } | { scope: Step[]; returns: number[] } | { dispose: number };

/** A random program: steps that read tensors by their index in the list made so far. */
function program(rng: Random, depth: number, visible: number): Step[] {
  const steps: Step[] = [];
  let n = visible;
  const count = 2 + (rng.uint32() % 6);
  for (let s = 0; s < count; s++) {
    const r = rng.uint32() % 10;
    if (r < 6 || n < 3) {
      steps.push({ op: rng.uint32() % OPS.length, args: [rng.uint32() % n, rng.uint32() % n] });
      n++;
    } else if (r < 8 && depth < 3) {
      const inner = program(rng, depth + 1, n);
      const made = inner.filter((st) => "op" in st || "scope" in st).length;
      const returns = Array.from({ length: rng.uint32() % 3 }, () => rng.uint32() % Math.max(1, made));
      steps.push({ scope: inner, returns: made > 0 ? returns : [] });
      n += made > 0 ? returns.length : 0;
    } else {
      // Never the two variables (0 and 1): those are the user's.
      steps.push({ dispose: 2 + (rng.uint32() % (n - 2)) });
    }
  }
  return steps;
}

/**
 * Runs steps over `env` (tensors by index; a scope's new tensors are numbered from the scope's
 * start). With `disposals`, dispose steps run and using a disposed tensor must throw clearly.
 */
function run(steps: Step[], env: (Tensor | null)[], disposals: boolean): void {
  for (const st of steps) {
    if ("op" in st) {
      const [a, b] = st.args.map((i) => env[i]);
      if (a === null || b === null) {
        env.push(null);
        continue;
      }
      if (a.isDisposed || (OPS[st.op].length === 2 && b.isDisposed)) {
        expect(() => OPS[st.op](a, b)).toThrow(/has been disposed/);
        refusals++;
        env.push(null);
        continue;
      }
      env.push(OPS[st.op](a, b));
    } else if ("scope" in st) {
      const base = env.length;
      const returned = tidy(() => {
        const local = [...env];
        run(st.scope, local, disposals);
        const made = local.slice(base);
        return st.returns.map((i) => made[i] ?? null);
      });
      env.push(...returned.map((t) => (t && !t.isDisposed ? t : null)));
    } else if (disposals) env[st.dispose]?.dispose();
  }
}

test("random graphs, scopes, returns and disposals: backward() succeeds with float64's gradients or refuses clearly; memory returns", () => {
  let checked = 0,
    refused = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const start = bytes();
      const rng = new Random(seed);
      const steps = program(rng, 0, 2);
      const x0 = [0.3, -0.7, 1.1],
        w0 = [-0.4, 0.9, 0.2];
      const x = variable(x0),
        w = variable(w0);
      const env: (Tensor | null)[] = [x, w];
      tidy(() => run(steps, env, true));
      // Tensors still held after the outer scope: ones it made were released, so only the
      // variables and what nested scopes returned to the top level can remain live.
      const live = env.map((t, i) => (t && !t.isDisposed && t.requiresGrad && i >= 2 ? i : -1)).filter((i) => i >= 0);
      expect(live).toEqual([]); // the outermost tidy returned nothing: everything it made is released
      // Again, keeping every result: backward() from each must work and match float64.
      const kept = tidy(() => {
        const e: (Tensor | null)[] = [x, w];
        run(steps, e, true);
        return e.slice(2).filter((t): t is Tensor => t !== null && !t.isDisposed);
      });
      for (const [k, root] of kept.entries()) {
        if (!root.requiresGrad || k % 2 === 1) continue; // check half of them (time)
        x.zeroGrad();
        w.zeroGrad();
        tidy(() => g.sum(root).backward());
        const index = kept.indexOf(root);
        const expected = tidy(() => {
          const f = (xv: Tensor, wv: Tensor): Tensor => {
            const e: (Tensor | null)[] = [xv, wv];
            run(steps, e, true);
            const alive = e.slice(2).filter((t): t is Tensor => t !== null && !t.isDisposed);
            return g.sum(alive[index]);
          };
          return grads(f)(tensor(x0, undefined, { dtype: "float64" }), tensor(w0, undefined, { dtype: "float64" })).map((t) => t.data());
        });
        expectClose(x.grad?.data() ?? new Float32Array(3), expected[0], 2e-5, `seed ${seed} root ${k} dx`);
        expectClose(w.grad?.data() ?? new Float32Array(3), expected[1], 2e-5, `seed ${seed} root ${k} dw`);
        checked++;
      }
      kept.forEach((t) => t.dispose());
      x.dispose();
      w.dispose();
      expect(bytes()).toBe(start);
    }),
    { numRuns: 60, seed: 24 },
  );
  refused = refusals;
  // The programs do exercise both outcomes.
  expect(checked).toBeGreaterThan(30);
  expect(refused).toBeGreaterThan(10);
});

test("issue 24's cases: logSoftmax and clip of an intermediate in tidy, nested, both dtypes", () => {
  const start = bytes();
  for (const dtype of ["float32", "float64"] as const) {
    const x = variable([1, 2, 3], undefined, { dtype });
    for (const f of [(t: Tensor) => t.mul(2).logSoftmax().sum(), (t: Tensor) => t.mul(2).clip(0, 5).sum()]) {
      const y = tidy(() => tidy(() => f(x)));
      y.backward();
      expect(x.grad!.data().every(Number.isFinite)).toBe(true);
      y.dispose();
      x.zeroGrad();
    }
    x.dispose();
  }
  expect(bytes()).toBe(start);
});

test("a disposed x.grad is a zeroGrad(): the next backward() starts from zero", () => {
  const x = variable([1, 2]);
  tidy(() => x.mul(3).sum().backward());
  x.grad!.dispose();
  expect(x.grad).toBeNull();
  tidy(() => x.mul(5).sum().backward());
  expect(Array.from(x.grad!.data())).toEqual([5, 5]);
  x.dispose();
});

test("a loss wrapped in its own tidy (the tfjs habit) trains through trainBatchWithLoss with logSoftmax of an intermediate", async () => {
  const { Network } = await import("wasmlp");
  const net = new Network({ inputSize: 2, layers: [{ units: 3, activation: "linear" }], seed: 1 });
  const loss = (p: Tensor, t: Tensor) => tidy(() => g.mean(g.mul(t, p.mul(2).logSoftmax()).sum(-1)).neg());
  const l = g.trainBatchWithLoss(
    net,
    [
      [1, 2],
      [0, -1],
    ],
    [
      [1, 0, 0],
      [0, 0, 1],
    ],
    loss,
  );
  expect(Number.isFinite(l)).toBe(true);
  net.dispose();
});

test("a gradient function reads its argument in place: disposing it inside f still works, the argument's .grad stays null, memory returns", () => {
  const start = bytes();
  const x = tensor([1, 2, 3]);
  const w = variable([0.5, -1, 2]);
  const dx = g.grad((t) => {
    const s = g.sum(g.mul(t, t));
    x.dispose(); // t reads x's memory, which its leaf holds until the gradient function returns
    return s;
  })(x);
  expect(Array.from(dx.data())).toEqual([2, 4, 6]);
  const dw = g.grad((t) => g.sum(g.pow(t, 3)))(w);
  expect(Array.from(dw.data())).toEqual([0.75, 3, 12]);
  expect(w.grad).toBeNull();
  [dx, dw, w].forEach((t) => t.dispose());
  expect(bytes()).toBe(start);
});
