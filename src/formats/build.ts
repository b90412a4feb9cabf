// A decoded model as a live Network: the one place the format functions need wasm. Network
// comes in by relative path: the application's `import { Network } from "wasmlp"` is the same
// module (one runtime, one wasm instance).
import { Network } from "../network.js";
import { type ImportOptions, layerOptions } from "./common.js";
import { type DecodedModel, importedLoss } from "./decoded.js";
import { FormatError } from "./errors.js";

/** Builds and fills the network; anything refused (by the file or by the options) is a FormatError starting with `prefix`. */
export function networkOf(decoded: DecodedModel, options: ImportOptions, prefix: string): Network {
  let net: Network;
  try {
    net = new Network({
      inputSize: decoded.inputSize,
      ...(decoded.inputShape ? { inputShape: decoded.inputShape } : {}),
      layers: decoded.layers.map(layerOptions),
      loss: importedLoss(decoded, options),
      optimizer: options.optimizer,
      seed: options.seed,
    });
  } catch (e) {
    if (e instanceof Error && /init\(\)/.test(e.message)) throw e; // wasm not loaded: the caller's to fix, said as init says it
    throw new FormatError(`${prefix}: ${(e as Error).message}`);
  }
  try {
    net.setWeights(decoded.weights);
    // Weights that are finite but overflow the network's own outputs are refused, as in fromJSON.
    const probe = new Float32Array(2 * net.inputSize);
    probe.fill(1, net.inputSize);
    net.predict(probe);
  } catch (e) {
    net.dispose();
    const message = (e as Error).message;
    if (/^predict: /.test(message))
      throw new FormatError(`${prefix}: the weights overflow float32 on a probe input of zeros or ones (${message.replace(/^predict: /, "")})`);
    throw new FormatError(`${prefix}: ${message}`);
  }
  return net;
}
