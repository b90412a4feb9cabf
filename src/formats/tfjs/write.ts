// A network (or anything with its shape and getWeights) as a tfjs layers model: model.json's
// object and the float32 weight bytes. Needs no wasm.
import { normalizationIndices, type Exportable } from "../common.js";
import type { ExportPlan } from "../export-plan.js";
import { UnsupportedFormatError } from "../errors.js";
import type { TfjsModelJson, TfjsWeightSpec } from "./manifest.js";
import { TFJS_UNWRITABLE, tfjsNameOf } from "./names.js";

/** The shard name toTfjs writes in the manifest (the directory helper splits larger data). */
export const TFJS_WEIGHTS_FILE = "group1-shard1of1.bin";

const INITIALIZERS = {
  kernel_initializer: { class_name: "VarianceScaling", config: { scale: 1, mode: "fan_avg", distribution: "normal", seed: null } },
  bias_initializer: { class_name: "Zeros", config: {} },
};

/**
 * A network (or what exportableOf makes of a model file) as a tfjs layers model: model.json's object (a Sequential of Dense layers, after a
 * Flatten when the network has an image inputShape; a leaky-relu layer becomes a linear Dense
 * and a LeakyReLU layer; a normalized layer a linear Dense, its BatchNormalization or
 * LayerNormalization, then its activation) and the float32 weights,
 * kernels transposed to Keras's inputs × units. Load it with
 * `tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }))`.
 */
export function tfjsOf(plan: ExportPlan): { modelJson: TfjsModelJson; weightData: ArrayBuffer; omitted: string[] } {
  const net: Exportable = plan.net;
  const params = net.getWeights(); // throws on a disposed network, before anything is built
  const layers: Record<string, unknown>[] = [];
  const specs: TfjsWeightSpec[] = [];
  const total = params.reduce((n, p) => n + p.length, 0);
  const data = new Float32Array(total);
  // Where each normalized layer's γ (β next) and moving mean (variance next) are in getWeights().
  const { gamma, moving } = normalizationIndices(net);
  const put = (values: ArrayLike<number>, name: string): void => {
    for (let o = 0; o < values.length; o++) data[at++] = values[o];
    specs.push({ name, shape: [values.length], dtype: "float32" });
  };
  let activationLayers = 0;
  let dropoutLayers = 0;
  let at = 0;
  let fanIn = net.inputSize;
  const shape = net.inputShape !== undefined && net.inputShape.length > 1 ? [...net.inputShape] : null;
  if (shape)
    layers.push({
      class_name: "Flatten",
      config: { name: "flatten", trainable: true, batch_input_shape: [null, ...shape], dtype: "float32", data_format: "channels_last" },
    });
  net.layers.forEach((layer, li) => {
    const name = li === 0 ? "dense" : `dense_${li}`;
    const leaky = layer.activation === "leaky-relu";
    const exported = leaky ? "linear" : tfjsNameOf(layer.activation);
    if (exported === undefined) {
      const why = TFJS_UNWRITABLE.get(layer.activation) ?? "the registry (src/activations.ts) gives it no tfjs name";
      throw new UnsupportedFormatError(`${plan.fn}: layer ${li} (${layer.activation}) has no tfjs-layers equivalent: ${why}`);
    }
    const norm = layer.normalization ?? null;
    layers.push({
      class_name: "Dense",
      config: {
        units: layer.units,
        // A normalized layer's activation comes after its normalization, as a layer of its own.
        activation: norm ? "linear" : exported,
        use_bias: layer.useBias !== false,
        ...INITIALIZERS,
        // Keras's L1L2 adds l1·Σ|W| + l2·ΣW² to the loss, as wasmlp's kernelRegularizer does.
        kernel_regularizer:
          plan.kernelRegularizer && layer.kernelRegularizer && (layer.kernelRegularizer.l1 > 0 || layer.kernelRegularizer.l2 > 0)
            ? { class_name: "L1L2", config: { l1: layer.kernelRegularizer.l1, l2: layer.kernelRegularizer.l2 } }
            : null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
        name,
        trainable: true,
        ...(li === 0 && !shape ? { batch_input_shape: [null, net.inputSize] } : {}),
        dtype: "float32",
      },
    });
    const w = params[2 * li];
    const b = params[2 * li + 1];
    // Keras's kernel is inputs × units; wasmlp's W is units × inputs.
    for (let i = 0; i < fanIn; i++) for (let o = 0; o < layer.units; o++) data[at++] = w[o * fanIn + i];
    specs.push({ name: `${name}/kernel`, shape: [fanIn, layer.units], dtype: "float32" });
    if (layer.useBias !== false) put(b, `${name}/bias`);
    if (norm) {
      const batch = norm.type === "batch";
      const normName = `${batch ? "batch" : "layer"}_normalization${li === 0 ? "" : `_${li}`}`;
      layers.push({
        class_name: batch ? "BatchNormalization" : "LayerNormalization",
        config: {
          axis: -1,
          ...(batch ? { momentum: norm.momentum } : {}),
          epsilon: norm.epsilon,
          center: true,
          scale: true,
          name: normName,
          trainable: true,
          dtype: "float32",
        },
      });
      put(params[gamma[li]], `${normName}/gamma`);
      put(params[gamma[li] + 1], `${normName}/beta`);
      if (batch) {
        put(params[moving[li]], `${normName}/moving_mean`);
        put(params[moving[li] + 1], `${normName}/moving_variance`);
      }
      if (!leaky && exported !== "linear") {
        layers.push({
          class_name: "Activation",
          config: { activation: exported, name: `activation${activationLayers ? `_${activationLayers}` : ""}`, trainable: true, dtype: "float32" },
        });
        activationLayers++;
      }
    }
    if (leaky)
      layers.push({
        class_name: "LeakyReLU",
        config: { alpha: layer.alpha, name: li === 0 ? "leaky_re_lu" : `leaky_re_lu_${li}`, trainable: true, dtype: "float32" },
      });
    // wasmlp's dropout acts on the layer's outputs, after its activation: Keras's Dense then Dropout(rate).
    if (plan.dropout && (layer.dropout ?? 0) > 0) {
      layers.push({
        class_name: "Dropout",
        config: {
          rate: layer.dropout,
          noise_shape: null,
          seed: null,
          name: `dropout${dropoutLayers ? `_${dropoutLayers}` : ""}`,
          trainable: true,
          dtype: "float32",
        },
      });
      dropoutLayers++;
    }
    fanIn = layer.units;
  });
  return {
    modelJson: {
      format: "layers-model",
      generatedBy: "wasmlp",
      convertedBy: null,
      // The topology exactly as tfjs-layers 4.22 writes its own Sequential models.
      modelTopology: { class_name: "Sequential", config: { name: "sequential", layers }, keras_version: "tfjs-layers 4.22.0", backend: "tensor_flow.js" },
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
    },
    weightData: at === data.length ? data.buffer : data.slice(0, at).buffer, // no-bias layers write no bias
    omitted: plan.omitted,
  };
}
