// A network's options checked and turned into what its engine is built from: the layers, the
// loss and optimizer, the seed, the feature spec and the tensor layout. Nothing is kept or
// changed when an option is refused (the caller's Layer objects stay free).
import {
  type Loss,
  LOSSES,
  type LayerSpec,
  type OptimizerSpec,
  checkHiddenLayers,
  checkLossFits,
  defaultLoss,
  parseLayer,
  parseOptimizer,
  tensorLayout,
} from "./config.js";
import type { EngineSpec } from "./engine/engine.js";
import { FeatureSpec } from "./features.js";
import { Layer } from "./layer.js";
import { randomSeed } from "./random.js";
import type { NetworkOptions } from "./types.js";
import { checkInt, checkKeys, checkObject, checkOneOf, describe } from "./validate.js";

const NETWORK_KEYS = ["inputSize", "inputShape", "layers", "loss", "optimizer", "seed", "features"] as const;

/** What a network is made of, once its options passed validation. */
export interface ParsedNetwork {
  spec: EngineSpec;
  layers: Layer[];
  inputShape: readonly number[] | undefined;
  loss: Loss;
  optimizer: Readonly<OptimizerSpec>;
  features: FeatureSpec | undefined;
}

/** Validates a network's options (before anything is allocated) and derives its engine's spec. */
export function parseNetworkOptions(options: NetworkOptions): ParsedNetwork {
  checkObject("Network options", options);
  checkKeys("Network options", options, NETWORK_KEYS);
  const inputSize = checkInt("inputSize", options.inputSize, 1, 1 << 16);
  const inputShape = options.inputShape === undefined ? undefined : parseInputShape(options.inputShape, inputSize);
  if (!Array.isArray(options.layers) || options.layers.length === 0) {
    throw new RangeError(`layers must be a non-empty array of Layer, received ${describe(options.layers)}`);
  }
  const layers = options.layers.map((l, i) => {
    if (l instanceof Layer) {
      if (l.owner) throw new Error(`layers[${i}] (${l}) already belongs to a network; create a new Layer for each network`);
      return l;
    }
    parseLayer(l, `layers[${i}]`);
    return new Layer(l);
  });
  const specs: LayerSpec[] = layers.map((l) => ({ ...l.spec }));
  checkHiddenLayers(specs);
  const output = specs[specs.length - 1];
  if (output.dropout > 0) {
    throw new RangeError(`the output layer cannot drop its outputs (layers[${specs.length - 1}].dropout is ${output.dropout}); put dropout on a hidden layer`);
  }
  const loss = options.loss === undefined ? defaultLoss(output) : checkOneOf("loss", options.loss, LOSSES);
  checkLossFits(loss, output);
  const optimizer = Object.freeze(parseOptimizer(options.optimizer));
  const seed = options.seed === undefined ? randomSeed() : checkInt("seed", options.seed, 0, 0xffffffff);
  const features = options.features === undefined ? undefined : options.features instanceof FeatureSpec ? options.features : new FeatureSpec(options.features);
  if (features && (features.inputSize !== inputSize || features.outputSize !== output.units)) {
    throw new RangeError(
      `features encode ${features.inputSize} inputs and ${features.outputSize} outputs, but the network has ${inputSize} inputs and ${output.units} outputs`,
    );
  }
  const layout = tensorLayout(inputSize, specs);
  const spec = { inputSize, layers: specs, loss, optimizer, seed, ...layout, parameterCount: layout.tensorSizes.reduce((a, b) => a + b, 0) };
  return { spec, layers, inputShape, loss, optimizer, features };
}

/** A frozen copy of an inputShape option: positive whole numbers whose product is inputSize. */
function parseInputShape(shape: unknown, inputSize: number): readonly number[] {
  if (!Array.isArray(shape) || shape.length === 0) throw new TypeError(`inputShape must be a non-empty array of whole numbers, received ${describe(shape)}`);
  shape.forEach((d, i) => checkInt(`inputShape[${i}]`, d, 1, 1 << 16));
  const product = shape.reduce((a: number, b: number) => a * b, 1);
  if (product !== inputSize) throw new RangeError(`inputShape [${shape.join(", ")}] holds ${product} values, but inputSize is ${inputSize}`);
  return Object.freeze([...shape]);
}
