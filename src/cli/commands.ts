// The wasmlp subcommands: train, eval, predict. Each takes its argv and an output, and
// returns an exit code; errors are thrown (main.ts prints them as one line).
import { writeAtomically } from "../atomic-write.js";
import { HIDDEN_ACTIVATIONS } from "../activations.js";
import { OPTIMIZERS, type OptimizerOptions } from "../config.js";
import { type LabelledImages } from "../data/idx.js";
import { FASHION_MNIST_CLASSES, type Split, loadDirectory, loadEmbedded, take } from "../data/node.js";
import { Network } from "../network.js";
import { threadCount } from "../runtime.js";
import { init } from "../wasm.js";
import { UsageError, int, intList, oneOf, parse, positive, text } from "./args.js";
import { evalCsv, predictCsv, trainCsv, wantsCsv } from "./csv.js";
import { checkSaveTarget } from "./files.js";
import { MODEL_FLAGS, MODEL_USAGE, loadModel, modelFlagsHelp } from "./models.js";
import { LR_SCHEDULES, replanSchedule, runLearningRate } from "./resume.js";
import { EpochProgress, type Output, renderConfusion, renderTable } from "./progress.js";
import { foldIntoFirstLayer, standardization, standardize } from "./standardize.js";

export const HELP = {
  main: `wasmlp: train and run small multilayer perceptrons on SIMD WebAssembly

Usage: wasmlp <command> [options]

Commands:
  train     train a classifier on Fashion-MNIST (or any MNIST-format directory)
  eval      evaluate a saved model on a data set's test images
  predict   classify test images with a saved model
  export    write a model in another library's format (TensorFlow.js or ONNX)
  quantize  write an inference-only int8 copy of a model (about 4× smaller)

Tables: wasmlp train --csv FILE --target COLUMN trains on a CSV file; eval and predict take
--csv too (wasmlp train --csv FILE --help; docs/data.md).

Run wasmlp <command> --help for a command's options; wasmlp --version prints the version.
`,
  train: `Usage: wasmlp train [options]

Trains an MLP (784 inputs, softmax over 10 classes) with categorical cross-entropy.
Without --data it uses the Fashion-MNIST test set in a clone of the repository (not in the
npm package): 8,000 images to train on and 2,000 held out.

Options:
  --data DIR           directory with train-/t10k-images-idx3-ubyte and -labels-idx1-ubyte (plain or .gz)
  --layers LIST        hidden layer sizes, comma-separated (default 256,128)
  --activation NAME    hidden activation: ${HIDDEN_ACTIVATIONS.join(", ")} (default relu)
  --epochs N           passes over the training images (default 20)
  --batch-size N       images per optimizer step (default 64)
  --optimizer NAME     ${OPTIMIZERS.join(", ")} (default adam)
  --lr X               learning rate (default 0.05 for sgd, momentum, nesterov; 0.001 otherwise)
  --seed N             seed for weights and shuffling (default 1)
  --limit N            train on the first N training images only
  --early-stopping N   stop after N epochs without a lower test loss, keeping the best epoch's weights
  --save FILE          write the trained model to FILE (JSON, written atomically)
  --lr-schedule NAME   constant (default), cosine (to 0 over the run) or exponential (to lr/100);
                       with --resume, the run ends at --epochs: see docs/checkpoints.md
  --weight-decay X     AdamW's decoupled weight decay (with --optimizer adamw; default 0.004)
  --dropout RATE       drop that fraction of each hidden layer's outputs in training (default 0)
  --standardize        train on zero-mean, unit-variance pixels; the saved model still takes raw pixels
  --normalization NAME normalize each hidden layer before its activation: batch or layer (default none)
  --threads N|auto     threads sharing each large step (default 1; auto: every core); same results
  --checkpoint         with --save: include the optimizer state and epochs done, for --resume
  --resume FILE        continue training a saved model (a checkpoint resumes bit for bit) up to --epochs;
                       --lr and --lr-schedule may change the learning rate from there
  -h, --help           show this help
`,
  eval: `Usage: wasmlp eval (${MODEL_USAGE}) [--data DIR]

Evaluates a saved model on the test images: the 2,000 held-out embedded images, or the
t10k set of --data DIR. Prints loss and accuracy.

Options:
${modelFlagsHelp(18)}  --data DIR        MNIST-format directory (default: a clone's Fashion-MNIST split)
  -h, --help        show this help
`,
  predict: `Usage: wasmlp predict (${MODEL_USAGE}) [--data DIR] [--index LIST | --count N]

Classifies test images with a saved model and prints the predicted and true classes.

Options:
${modelFlagsHelp(18)}  --data DIR        MNIST-format directory (default: a clone's Fashion-MNIST split)
  --index LIST      comma-separated test image indices (default: the first --count)
  --count N         how many test images, from the first (default 10)
  -h, --help        show this help
`,
};

function loadData(dir: string | undefined): Split {
  const data = dir === undefined ? loadEmbedded() : loadDirectory(dir);
  for (const [which, set] of [
    ["training", data.train],
    ["test", data.test],
  ] as const) {
    if (set.count === 0) throw new Error(`${data.source} has no ${which} images (its ${which === "training" ? "train" : "t10k"} files hold 0)`);
  }
  return data;
}

function checkFits(net: Network, set: LabelledImages): void {
  const pixels = set.rows * set.cols;
  if (net.inputSize !== pixels)
    throw new Error(
      `the model takes ${net.inputSize.toLocaleString("en-US")} inputs, but the images have ${pixels.toLocaleString("en-US")} pixels (${set.rows}×${set.cols})`,
    );
  const shape = net.inputShape;
  if (shape !== undefined && (shape.length !== 2 || shape[0] !== set.rows || shape[1] !== set.cols)) {
    // Same pixel count, other layout: the model would read the images scrambled.
    throw new Error(`the model was trained on ${shape.join("×")} images, but these are ${set.rows}×${set.cols}`);
  }
  const classes = Math.max(...set.labels) + 1;
  if (net.outputSize < classes) throw new Error(`the model has ${net.outputSize} outputs, but the labels go up to class ${classes - 1}`);
}

export async function train(argv: string[], out: Output): Promise<number> {
  if (wantsCsv(argv)) return trainCsv(argv, out);
  const a = parse(
    argv,
    {
      data: { type: "string" },
      layers: { type: "string" },
      activation: { type: "string" },
      epochs: { type: "string" },
      "batch-size": { type: "string" },
      optimizer: { type: "string" },
      lr: { type: "string" },
      seed: { type: "string" },
      limit: { type: "string" },
      save: { type: "string" },
      "early-stopping": { type: "string" },
      checkpoint: { type: "boolean" },
      resume: { type: "string" },
      "lr-schedule": { type: "string" },
      "weight-decay": { type: "string" },
      threads: { type: "string" },
      dropout: { type: "string" },
      standardize: { type: "boolean" },
      normalization: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    "train",
  );
  if (a.help) {
    out.write(HELP.train);
    return 0;
  }
  const layers = intList("layers", a.layers, [256, 128]);
  const activation = oneOf("activation", a.activation, "relu", HIDDEN_ACTIVATIONS);
  const epochs = int("epochs", a.epochs, 20, 1, 100000);
  const batchSize = int("batch-size", a["batch-size"], 64, 1, 65536);
  const optimizer = oneOf("optimizer", a.optimizer, "adam", OPTIMIZERS);
  // Adaptive optimizers take Keras's 0.001; plain and momentum SGD train these networks best near 0.05.
  const lr = positive("lr", a.lr, ["sgd", "momentum", "nesterov"].includes(optimizer) ? 0.05 : 0.001);
  const seed = int("seed", a.seed, 1, 0, 0xffffffff);
  const schedule = oneOf("lr-schedule", a["lr-schedule"], "constant", LR_SCHEDULES);
  if (a["weight-decay"] !== undefined && optimizer !== "adamw") throw new UsageError(`train: --weight-decay applies to --optimizer adamw, not ${optimizer}`);
  const weightDecay = a["weight-decay"] === undefined ? undefined : positive("weight-decay", a["weight-decay"], 0);
  const limit = a.limit === undefined ? undefined : int("limit", a.limit, 0, 1);
  const patience = a["early-stopping"] === undefined ? undefined : int("early-stopping", a["early-stopping"], 0, 0, 100000);
  const save = text("save", a.save);
  const dataDir = text("data", a.data);
  if (save !== undefined) checkSaveTarget(save); // before training, not after it
  const resume = text("resume", a.resume);
  if (a.checkpoint && save === undefined) throw new UsageError("train: --checkpoint needs --save FILE (see wasmlp train --help)");
  // The saved model takes raw pixels (the scaling is folded into its first layer), so its weights
  // and optimizer state no longer describe the standardized training: nothing to resume from.
  if (a.standardize && (a.checkpoint || resume !== undefined))
    throw new UsageError(
      `train: --standardize cannot be combined with --${a.checkpoint ? "checkpoint" : "resume"} (the saved model takes raw pixels: its scaling is folded into the first layer)`,
    );
  if (resume !== undefined) {
    // --lr and --lr-schedule may correct the learning rate from here on (src/cli/resume.ts).
    const fixed = (["layers", "activation", "optimizer", "seed", "weight-decay", "dropout", "normalization"] as const).find((k) => a[k] !== undefined);
    if (fixed) throw new UsageError(`train: --resume continues the saved network as it is; --${fixed} cannot change it`);
  }

  const threads = a.threads === "auto" ? "auto" : int("threads", a.threads, 1, 1, 256);
  const dropout = a.dropout === undefined ? 0 : Number(a.dropout);
  if (typeof a.dropout === "string" && !(a.dropout.trim() !== "" && dropout >= 0 && dropout < 1)) {
    throw new UsageError(`--dropout must be a number in [0, 1), received "${a.dropout}"`);
  }

  const normalization = a.normalization === undefined ? undefined : oneOf("normalization", a.normalization, "batch", ["batch", "layer"] as const);

  const data = loadData(dataDir);
  let trainSet = limit === undefined || limit >= data.train.count ? data.train : take(data.train, 0, limit);
  let testPixels = data.test.pixels;
  const scaling = a.standardize ? standardization(trainSet.pixels) : null;
  if (scaling) {
    trainSet = { ...trainSet, pixels: standardize(trainSet.pixels, scaling) };
    testPixels = standardize(testPixels, scaling);
  }
  await init({ threads });
  const stepsPerEpoch = Math.ceil(trainSet.count / batchSize);
  let scheduleNote: string | null = null;
  const net =
    resume !== undefined
      ? resumed(resume)
      : new Network({
          inputSize: trainSet.rows * trainSet.cols,
          inputShape: [trainSet.rows, trainSet.cols],
          layers: [
            ...layers.map((units) => ({ units, activation, ...(dropout > 0 ? { dropout } : {}), ...(normalization ? { normalization } : {}) })),
            { units: 10, activation: "softmax" as const },
          ],
          loss: "categorical-crossentropy",
          optimizer: {
            type: optimizer,
            // Over the whole run: cosine to 0, or exponential to a hundredth.
            learningRate: runLearningRate(schedule, lr, epochs * stepsPerEpoch),
            ...(weightDecay === undefined ? {} : { weightDecay }),
          } as OptimizerOptions,
          seed,
        });

  /** The saved network, its schedule planned over this run (src/cli/resume.ts). */
  function resumed(path: string): Network {
    const saved = loadModel({ model: path }, "train").net;
    const file = saved.toJSON({ includeOptimizerState: true });
    saved.dispose();
    scheduleNote = replanSchedule(file, epochs, stepsPerEpoch, a["lr-schedule"] === undefined ? undefined : schedule, a.lr === undefined ? undefined : lr);
    return Network.fromJSON(file);
  }
  const initialEpoch = net.epochsTrained;
  if (resume !== undefined) {
    try {
      checkFits(net, trainSet);
      if (initialEpoch >= epochs)
        throw new Error(
          `${resume} has trained ${initialEpoch} epoch${initialEpoch === 1 ? "" : "s"} already; give --epochs above ${initialEpoch} to train more`,
        );
    } catch (e) {
      net.dispose();
      throw e;
    }
  }
  out.write(
    `${net}\ndata: ${data.source}; training on ${trainSet.count.toLocaleString("en-US")} images, testing on ${data.test.count.toLocaleString("en-US")}; ${threadCount()} thread${threadCount() === 1 ? "" : "s"}\n`,
  );
  if (resume !== undefined)
    out.write(`resuming ${resume} after epoch ${initialEpoch}${initialEpoch > 0 ? "" : " (it holds no training state: the optimizer starts afresh)"}\n`);
  if (scheduleNote !== null) out.write(`${scheduleNote}\n`);

  const progress = new EpochProgress(out, epochs, trainSet.count);
  const rows: (string | number)[][] = [];
  let trainSeconds = 0;
  let epochStart = performance.now();
  let lastBatchEnd = epochStart;
  progress.begin();
  const history = net.fit(trainSet.pixels, trainSet.labels, {
    epochs,
    batchSize,
    initialEpoch,
    validationData: [testPixels, data.test.labels],
    ...(patience === undefined ? {} : { earlyStopping: { monitor: "valLoss" as const, patience, restoreBestWeights: true } }),
    onBatchEnd: (_, logs) => {
      lastBatchEnd = performance.now();
      progress.batch(logs.epoch, logs.size, logs.loss);
    },
    onEpochEnd: (epoch, logs) => {
      // Throughput counts training only, not the test evaluation that follows each epoch.
      const seconds = (lastBatchEnd - epochStart) / 1000;
      trainSeconds += seconds;
      progress.end(epoch, logs, seconds);
      rows.push([epoch + 1, logs.loss.toFixed(4), logs.accuracy.toFixed(4), (logs.valAccuracy ?? NaN).toFixed(4), logs.seconds.toFixed(2)]);
      progress.begin();
      epochStart = performance.now();
    },
  });
  out.write(`\n${renderTable(["epoch", "loss", "train acc", "test acc", "seconds"], rows)}`);
  if (history.stoppedEpoch !== undefined) {
    out.write(
      `\nearly stopping: no lower test loss for ${patience} epoch${patience === 1 ? "" : "s"} after epoch ${history.bestEpoch! + 1}; stopped after epoch ${history.stoppedEpoch + 1} and kept epoch ${history.bestEpoch! + 1}'s weights\n`,
    );
  }
  const final =
    history.bestEpoch !== undefined ? history.valAccuracy[history.epoch.indexOf(history.bestEpoch)] : history.valAccuracy[history.valAccuracy.length - 1];
  const throughput = (trainSet.count * history.epoch.length) / trainSeconds;
  if (scaling) {
    foldIntoFirstLayer(net, scaling);
    const raw = net.evaluate(data.test.pixels, data.test.labels).accuracy;
    out.write(
      `\ninputs standardized with mean ${scaling.mean.toFixed(4)}, standard deviation ${scaling.std.toFixed(4)}; folded into the first layer (on raw pixels the model's test accuracy is ${raw.toFixed(4)})\n`,
    );
  }
  out.write(
    `\nheld-out accuracy ${final.toFixed(4)} on ${data.test.count.toLocaleString("en-US")} images; training throughput ${Math.round(throughput).toLocaleString("en-US")} samples/s\n`,
  );
  if (save !== undefined) {
    writeAtomically(save, JSON.stringify(net.toJSON({ includeOptimizerState: a.checkpoint === true })));
    out.write(`saved ${a.checkpoint ? "checkpoint (model, optimizer state, epochs done)" : "model"} to ${save}\n`);
  }
  net.dispose();
  return 0;
}

export async function evaluate(argv: string[], out: Output): Promise<number> {
  if (wantsCsv(argv)) return evalCsv(argv, out);
  const a = parse(argv, { ...MODEL_FLAGS, data: { type: "string" }, help: { type: "boolean", short: "h" } }, "eval");
  if (a.help) {
    out.write(HELP.eval);
    return 0;
  }
  const dataDir = text("data", a.data);
  await init();
  const { net, path: modelPath } = loadModel(a, "eval");
  if (net.lossName !== "categorical-crossentropy") {
    net.dispose();
    throw new Error(
      `eval measures classification accuracy, which needs a softmax output trained with categorical-crossentropy; ${modelPath} has a ${net.layers[net.layers.length - 1].activation} output with ${net.lossName} (evaluate it from code with net.evaluate(x, y) and its own targets)`,
    );
  }
  const { test, source } = loadData(dataDir);
  checkFits(net, test);
  const t0 = performance.now();
  const result = net.evaluate(test.pixels, Int32Array.from(test.labels));
  const seconds = (performance.now() - t0) / 1000;
  out.write(
    `${net}\ndata: ${source}\ntest loss ${result.loss.toFixed(4)}  test accuracy ${result.accuracy.toFixed(4)} on ${test.count.toLocaleString("en-US")} images (${Math.round(test.count / seconds).toLocaleString("en-US")} images/s)\n`,
  );
  if (result.confusionMatrix) out.write(`\n${renderConfusion(result, net.outputSize === 10 ? FASHION_MNIST_CLASSES : null)}`);
  net.dispose();
  return 0;
}

export async function predict(argv: string[], out: Output): Promise<number> {
  if (wantsCsv(argv)) return predictCsv(argv, out);
  const a = parse(
    argv,
    {
      ...MODEL_FLAGS,
      data: { type: "string" },
      index: { type: "string" },
      count: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    "predict",
  );
  if (a.help) {
    out.write(HELP.predict);
    return 0;
  }
  if (a.index !== undefined && a.count !== undefined) throw new UsageError("predict: give --index or --count, not both");
  const dataDir = text("data", a.data);
  await init();
  const { net } = loadModel(a, "predict");
  const { test } = loadData(dataDir);
  checkFits(net, test);
  const indices =
    a.index !== undefined
      ? String(a.index)
          .split(",")
          .map((part) => int("index", part.trim(), 0, 0))
      : Array.from({ length: Math.min(int("count", a.count, 10, 1), test.count) }, (_, i) => i);
  const bad = indices.find((i) => i >= test.count);
  if (bad !== undefined)
    throw new UsageError(
      `--index ${bad} is out of range: the test set has ${test.count.toLocaleString("en-US")} images (0 to ${(test.count - 1).toLocaleString("en-US")})`,
    );
  const size = test.rows * test.cols;
  const x = new Float32Array(indices.length * size);
  indices.forEach((idx, i) => x.set(test.pixels.subarray(idx * size, (idx + 1) * size), i * size));
  const probs = net.predict(x);
  const k = net.outputSize;
  const name = (c: number): string => (k === 10 ? FASHION_MNIST_CLASSES[c] : String(c));
  let correct = 0;
  const rows = indices.map((idx, i) => {
    const p = probs.subarray(i * k, (i + 1) * k);
    const best = p.indexOf(Math.max(...p));
    const truth = test.labels[idx];
    if (best === truth) correct++;
    return [idx, name(best), p[best].toFixed(3), name(truth), best === truth ? "✓" : "✗"];
  });
  out.write(renderTable(["image", "predicted", "probability", "true", "correct"], rows));
  out.write(`${correct.toLocaleString("en-US")} of ${indices.length.toLocaleString("en-US")} correct\n`);
  net.dispose();
  return 0;
}
