// The fuzz tests' oracle: whatever a mutated file gives must be either one of wasmlp's named
// format errors (FormatError & co., with a message that starts with the format's name), or a
// network equal to Network.fromJSON(readX(same file)) bit for bit, whose predictions match
// wasmlp/reference built from that decoded model within a float32 error bound derived per output
// (a running error analysis of the float64 forward pass: see boundedForward).
import { expect } from "vitest";
import { Network, memoryStats } from "wasmlp";
import { allocationHook } from "../../src/memory.js";
import { ReferenceNetwork } from "wasmlp/reference";
import { activationOps } from "../../src/activations.js";
import { tensorLayout } from "../../src/config.js";
import { isFormatError } from "../../src/formats/errors.js";
import type { Layer } from "../../src/layer.js";
import { parseModelJSON } from "../../src/model-file.js";
import type { ModelJSON } from "../../src/types.js";

/** float32's unit roundoff. */
const U = 2 ** -24;

/** What the oracle saw, for the property's counts. */
export interface Tally {
  built: number;
  refused: number;
}

/**
 * The largest buffer asked for so far, from the heap (wasm memory) and from the readers (decoded
 * data in JS), and the largest reader request relative to the file's bytes; the fuzz tests print them.
 */
export const allocationHighWater = { heap: 0, reader: 0, readerOverFile: 0 };

/**
 * What a file of `fileBytes` bytes may make wasmlp ask for in one allocation: nothing above the
 * format's documented cap (`cap`), and nothing sized by a number in the file beyond what the file
 * holds: a reader's buffer at most the file's bytes, or a vector of MAX_UNITS floats (a γ of ones,
 * a zero bias); a heap region at most the file's bytes (a weight tensor) or a batch's workspace.
 */
export interface AllocationLimits {
  cap: number;
  fileBytes: number;
}

const MAX_UNITS_BYTES = 4 * 65_536;

/** Runs `f` with the heap hook recording every request; fails on one above the limits. */
function watched<T>(limits: AllocationLimits, f: () => T): T {
  const seen: { bytes: number; source: string }[] = [];
  allocationHook.request = (bytes, source) => {
    seen.push({ bytes, source });
  };
  try {
    return f();
  } finally {
    allocationHook.request = null;
    for (const { bytes, source } of seen) {
      expect(bytes, `${source} request of ${bytes} bytes over the cap ${limits.cap}`).toBeLessThanOrEqual(limits.cap);
      if (source === "reader") {
        expect(bytes, `reader request of ${bytes} bytes for a file of ${limits.fileBytes}`).toBeLessThanOrEqual(Math.max(limits.fileBytes, MAX_UNITS_BYTES));
        allocationHighWater.reader = Math.max(allocationHighWater.reader, bytes);
        allocationHighWater.readerOverFile = Math.max(allocationHighWater.readerOverFile, bytes / limits.fileBytes);
      } else {
        // A weight tensor is at most the file's bytes; a workspace holds a batch's rows of a layer no wider than MAX_UNITS.
        expect(bytes, `heap request of ${bytes} bytes for a file of ${limits.fileBytes}`).toBeLessThanOrEqual(
          Math.max(limits.fileBytes, 256 * MAX_UNITS_BYTES),
        );
        allocationHighWater.heap = Math.max(allocationHighWater.heap, bytes);
      }
    }
  }
}

/**
 * The float64 forward pass of a decoded model with, per output, a bound on how far a float32
 * evaluation may lie from it: each sum of k products adds (k + 1)·u·Σ|terms| (Higham's running
 * bound, doubled), inherited errors grow by |W|, by the normalization's scale, and by at most 2
 * through an activation (every wasmlp activation is 1.76-Lipschitz or less), and each kernel may
 * add 64·u·(|a| + 1) of its own (the float32 exp, erfc and friends).
 */
export function boundedForward(model: ModelJSON, x: ArrayLike<number>): { value: Float64Array; bound: Float64Array } {
  const { options, weights } = parseModelJSON(model);
  const layers = options.layers as Layer[];
  const specs = layers.map((l) => l.spec);
  const layout = tensorLayout(options.inputSize, specs);
  const trainable = layout.tensorSizes.length;
  let v = Float64Array.from(x);
  let e = new Float64Array(v.length);
  layers.forEach((layer, li) => {
    const W = weights[2 * li],
      b = weights[2 * li + 1];
    const n = layer.units,
      k = v.length;
    const z = new Float64Array(n),
      ez = new Float64Array(n);
    for (let o = 0; o < n; o++) {
      let s = b[o],
        mag = Math.abs(b[o]),
        inherited = 0;
      for (let i = 0; i < k; i++) {
        const w = W[o * k + i];
        s += w * v[i];
        mag += Math.abs(w) * (Math.abs(v[i]) + e[i]);
        inherited += Math.abs(w) * e[i];
      }
      z[o] = s;
      ez[o] = inherited + 2 * (k + 1) * U * mag;
    }
    let y = z,
      ey = ez;
    const norm = layer.normalization;
    if (norm) {
      const gamma = weights[layout.gammaIndex[li]],
        beta = weights[layout.gammaIndex[li] + 1];
      y = new Float64Array(n);
      ey = new Float64Array(n);
      if (norm.type === "batch") {
        const mean = weights[trainable + layout.movingIndex[li]],
          variance = weights[trainable + layout.movingIndex[li] + 1];
        for (let o = 0; o < n; o++) {
          const f = gamma[o] / Math.sqrt(variance[o] + norm.epsilon);
          y[o] = f * (z[o] - mean[o]) + beta[o];
          ey[o] = Math.abs(f) * ez[o] + 8 * U * (Math.abs(f) * (Math.abs(z[o]) + Math.abs(mean[o])) + Math.abs(beta[o]));
        }
      } else {
        const mu = z.reduce((a, c) => a + c, 0) / n;
        const varz = z.reduce((a, c) => a + (c - mu) ** 2, 0) / n;
        const s = Math.sqrt(varz + norm.epsilon);
        const emax = Math.max(...ez);
        const spread = Math.max(...z.map((c) => Math.abs(c - mu)));
        const zmax = Math.max(...z.map(Math.abs));
        // Relative error of s: from the inherited errors, and from rounding the mean and variance.
        const rel = (2 * spread * emax + 4 * (n + 2) * U * (spread + zmax) ** 2 + 4 * (n + 2) * U * (varz + norm.epsilon)) / (varz + norm.epsilon);
        for (let o = 0; o < n; o++) {
          y[o] = (gamma[o] * (z[o] - mu)) / s + beta[o];
          ey[o] = (Math.abs(gamma[o]) / s) * (2 * emax + 4 * (n + 2) * U * zmax + Math.abs(z[o] - mu) * rel) + 8 * U * (Math.abs(y[o]) + Math.abs(beta[o]));
        }
      }
    }
    const a = new Float64Array(n);
    activationOps[layer.activation].reference.forward(1, n, y, a, layer.alpha);
    const ea = new Float64Array(n);
    const emax = Math.max(...ey);
    for (let o = 0; o < n; o++) ea[o] = 2 * (layer.activation === "softmax" ? emax : ey[o]) + 64 * U * (Math.abs(a[o]) + 1);
    v = a;
    e = ea;
  });
  return { value: v, bound: e };
}

/**
 * Runs one mutated input through the network builder and the data-level reader and checks the
 * oracle. `prefix` is the format's name, which every message starts with.
 */
export function checkOutcome(prefix: string, build: () => Network, read: () => ModelJSON, tally: Tally, limits: AllocationLimits): void {
  const before = memoryStats();
  let net: Network | null = null;
  let error: unknown = null;
  try {
    net = watched(limits, build);
  } catch (e) {
    error = e;
  }
  if (net === null) {
    // wasmlp's own refusal: a named class and wasmlp's message, never a runtime error from inside.
    expect(isFormatError(error), `${(error as Error)?.name}: ${(error as Error)?.message}`).toBe(true);
    expect((error as Error).message.startsWith(prefix), (error as Error).message).toBe(true);
    const after = memoryStats();
    expect(after.liveRegions).toBe(before.liveRegions);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    // The data level refuses it too, with a named error (the probe for overflowing outputs is the network's alone).
    let readError: unknown = null;
    try {
      watched(limits, read);
    } catch (e) {
      readError = e;
    }
    if (readError !== null) expect(isFormatError(readError), String(readError)).toBe(true);
    tally.refused++;
    return;
  }
  try {
    const model = watched(limits, read);
    const again = Network.fromJSON(model);
    expect(again.layers.map(String)).toEqual(net.layers.map(String));
    again.getWeights().forEach((w, i) => expect(w).toEqual(net!.getWeights()[i]));
    again.dispose();
    const ref = ReferenceNetwork.fromJSON(model);
    const x = Float32Array.from({ length: 2 * net.inputSize }, (_, i) => ((i * 7919) % 13) / 6.5 - 1);
    const got = net.predict(x),
      want = ref.predict(x);
    for (let s = 0; s < 2; s++) {
      const { bound } = boundedForward(model, x.subarray(s * net.inputSize, (s + 1) * net.inputSize));
      for (let o = 0; o < net.outputSize; o++) {
        const i = s * net.outputSize + o;
        expect(Math.abs(got[i] - want[i]), `sample ${s} output ${o}: ${got[i]} vs ${want[i]} (bound ${bound[o]})`).toBeLessThanOrEqual(bound[o]);
      }
    }
    ref.dispose();
    tally.built++;
  } finally {
    net.dispose();
  }
}
