// The training side of the demo, in a Web Worker so the page stays responsive: loads the
// embedded Fashion-MNIST data, trains epoch by epoch, and posts progress to the page. After
// training, the model is quantized to int8 (net.quantize()), its file loaded back as a page would
// load a downloaded one, and both models' file sizes, one-sample latencies and accuracies posted.
import { holdOut, pairImagesLabels, parseIdxImages, parseIdxLabels } from "../dist/wasmlp-data.browser.js";
import { Network, QuantizedNetwork, init, threadCount } from "../dist/wasmlp.browser.js";

const DATA = new URL("../data/fashion-mnist/", import.meta.url);
const GRID = 24; // held-out images shown with their predictions
let stopRequested = false;
let data = null;

async function gunzip(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
  const stream = response.body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function loadData() {
  const [images, labels] = await Promise.all([gunzip(new URL("t10k-images-idx3-ubyte.gz", DATA)), gunzip(new URL("t10k-labels-idx1-ubyte.gz", DATA))]);
  const { train, test } = holdOut(pairImagesLabels(parseIdxImages(images, "t10k images"), parseIdxLabels(labels, "t10k labels"), "t10k"));
  return {
    train: { x: train.pixels, y: train.labels, count: train.count },
    test: { x: test.pixels, y: test.labels, count: test.count },
  };
}

async function train(config) {
  stopRequested = false;
  const net = new Network({
    inputSize: 784,
    layers: [
      ...config.layers.map((units) => ({
        units,
        activation: config.activation,
        dropout: config.dropout,
        ...(config.normalization ? { normalization: config.normalization } : {}),
      })),
      { units: 10, activation: "softmax" },
    ],
    loss: "categorical-crossentropy",
    optimizer: { type: config.optimizer, learningRate: config.learningRate },
    seed: config.seed,
  });
  postMessage({ type: "status", text: `Training ${net}`, network: String(net) });
  let trainSeconds = 0,
    epochsDone = 0;
  // Early stopping across the page's one-epoch fit calls: the best test loss and its weights.
  let best = { loss: Infinity, epoch: 0, weights: null },
    stoppedEarly = false;
  for (let epoch = 0; epoch < config.epochs && !stopRequested && !stoppedEarly; epoch++) {
    const start = performance.now();
    let lastBatch = start;
    const history = net.fit(data.train.x, data.train.y, {
      epochs: epoch + 1,
      initialEpoch: epoch,
      batchSize: config.batchSize,
      validationData: [data.test.x, data.test.y],
      onBatchEnd: () => {
        lastBatch = performance.now();
      },
    });
    const seconds = (lastBatch - start) / 1000;
    trainSeconds += seconds;
    epochsDone++;
    postMessage({
      type: "epoch",
      epoch: epoch + 1,
      epochs: config.epochs,
      loss: history.loss[0],
      accuracy: history.accuracy[0],
      valLoss: history.valLoss[0],
      valAccuracy: history.valAccuracy[0],
      samplesPerSecond: data.train.count / seconds,
      predictions: Array.from(argmaxRows(net.predict(data.test.x.subarray(0, GRID * 784)), 10)),
    });
    if (config.earlyStopping) {
      if (history.valLoss[0] < best.loss) best = { loss: history.valLoss[0], epoch: epoch + 1, weights: net.getWeights() };
      else if (epoch + 1 - best.epoch > 2) stoppedEarly = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 0)); // let a "stop" message in
  }
  if (stoppedEarly) net.setWeights(best.weights);
  const final = net.evaluate(data.test.x, data.test.y);
  postMessage(quantized(net, final.accuracy));
  postMessage({
    type: "done",
    stopped: stopRequested,
    bestEpoch: stoppedEarly ? best.epoch : null,
    accuracy: final.accuracy,
    loss: final.loss,
    samplesPerSecond: (data.train.count * epochsDone) / trainSeconds,
  });
  net.dispose();
}

/**
 * The int8 twin of a trained network beside it: both model files' sizes, the median time of one
 * sample through predict (alternating rounds of 40 calls), the test accuracy, and the quantized
 * file and its outputs on the grid's images (the page keeps them, for comparison with Node's).
 */
function quantized(net, floatAccuracy) {
  try {
    const floatFile = JSON.stringify(net);
    const made = net.quantize();
    const file = JSON.stringify(made);
    made.dispose();
    const q = QuantizedNetwork.fromJSON(file); // loaded as a page loads a fetched model file
    try {
      const one = data.test.x.slice(0, 784);
      const floatTimes = [],
        int8Times = [];
      const time = (model) => {
        const start = performance.now();
        for (let i = 0; i < 40; i++) model.predict(one);
        return ((performance.now() - start) / 40) * 1000;
      };
      for (let i = 0; i < 3; i++) {
        time(net);
        time(q);
      } // warm-up
      for (let round = 0; round < 15; round++) {
        floatTimes.push(time(net));
        int8Times.push(time(q));
      }
      const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      return {
        type: "quantized",
        floatBytes: floatFile.length,
        int8Bytes: file.length,
        floatMicros: median(floatTimes),
        int8Micros: median(int8Times),
        floatAccuracy,
        int8Accuracy: q.evaluate(data.test.x, data.test.y).accuracy,
        model: file,
        outputs: Array.from(q.predict(data.test.x.subarray(0, GRID * 784))),
      };
    } finally {
      q.dispose();
    }
  } catch (e) {
    return { type: "quantized", error: e instanceof Error ? e.message : String(e) };
  }
}

function argmaxRows(values, width) {
  const out = new Uint8Array(values.length / width);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (values[i * width + j] > values[i * width + best]) best = j;
    out[i] = best;
  }
  return out;
}

onmessage = async ({ data: message }) => {
  try {
    if (message.type === "stop") {
      stopRequested = true;
      return;
    }
    if (message.type === "train") await train(message.config);
  } catch (e) {
    postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
};

try {
  // Every core when the page is cross-origin isolated (demo/serve.js sends COOP/COEP), else one with a notice.
  await init({ threads: "auto" });
  data = await loadData();
  postMessage({
    type: "ready",
    trainCount: data.train.count,
    testCount: data.test.count,
    threads: threadCount(),
    grid: { pixels: data.test.x.slice(0, GRID * 784), labels: Array.from(data.test.y.subarray(0, GRID)) },
  });
} catch (e) {
  postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) });
}
