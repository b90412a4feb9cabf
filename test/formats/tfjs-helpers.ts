// TensorFlow.js itself (tfjs-layers on the pure-JS cpu backend) for the format tests: build a
// model, save it through a save handler, load artifacts back.
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { Random } from "../../src/random.js";

export { tf, tfl };

/** Any tfjs-layers layer, as tfl.sequential takes them. */
export type TfLayer = NonNullable<NonNullable<Parameters<typeof tfl.sequential>[0]>["layers"]>[number];

let ready: Promise<boolean> | null = null;
export function tfReady(): Promise<boolean> {
  tf.enableProdMode(); // quiets the cpu backend's "install tfjs-node" banner in every test file
  ready ??= tf.setBackend("cpu");
  return ready;
}

export interface Saved {
  modelTopology: Record<string, unknown>;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/** What model.save() hands a save handler. */
export async function save(model: tfl.LayersModel): Promise<Saved> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  const a = saved as unknown as tf.io.ModelArtifacts;
  return {
    modelTopology: a.modelTopology as Record<string, unknown>,
    weightSpecs: a.weightSpecs!,
    weightData: a.weightData as ArrayBuffer,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy,
  };
}

/** model.json as a file holds it: the weight specs in a manifest with one shard. */
export function asModelJson(saved: Saved): Record<string, unknown> {
  return {
    format: saved.format,
    generatedBy: saved.generatedBy,
    convertedBy: saved.convertedBy ?? null,
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: saved.weightSpecs }],
  };
}

/** Gives every weight (biases too, which start at zero) seeded random values. */
export function randomizeWeights(model: tfl.LayersModel, seed: number, scale = 0.8): void {
  const rng = new Random(seed);
  const values = model.getWeights().map((w) =>
    tf.tensor(
      Float32Array.from({ length: w.size }, () => rng.symmetric(scale)),
      w.shape,
    ),
  );
  model.setWeights(values);
}

export function predictTf(model: tfl.LayersModel, x: Float32Array, inputShape: number[]): Float32Array {
  const m = x.length / inputShape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => (model.predict(tf.tensor(x, [m, ...inputShape])) as tf.Tensor).dataSync() as Float32Array);
}

export function randomInputs(seed: number, n: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.symmetric(2));
}

/** Largest |a − b| / max(1, |b|). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}
