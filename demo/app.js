// The page side of the demo: controls, the worker, a canvas chart and the image grid.
import { FASHION_MNIST_CLASSES as CLASSES } from "../dist/wasmlp-data.browser.js";
import { HIDDEN_ACTIVATIONS, OPTIMIZERS, simdSupported } from "../dist/wasmlp.browser.js";
const $ = (id) => document.getElementById(id);
const status = (text) => {
  $("status").textContent = text;
};
const history = [];

// The menu lists every activation the registry offers for hidden layers.
for (const name of HIDDEN_ACTIVATIONS) $("activation").append(new Option(name, name, false, name === "relu"));
// And every optimizer of the registry (Adam first selected).
for (const name of OPTIMIZERS) $("optimizer").append(new Option(name, name, false, name === "adam"));
let grid = null;

if (!simdSupported()) {
  $("unsupported").hidden = false;
  $("controls")
    .querySelectorAll("input, select, button")
    .forEach((el) => {
      el.disabled = true;
    });
  status("WebAssembly SIMD is not available.");
  throw new Error("WebAssembly SIMD is not supported here");
}

const worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
$("train").disabled = true;

worker.onmessage = ({ data: m }) => {
  if (m.type === "ready") {
    grid = m.grid;
    $("threads").textContent = String(m.threads);
    drawGrid(null);
    status(`Ready: ${m.trainCount.toLocaleString()} training images, ${m.testCount.toLocaleString()} held out.`);
    $("train").disabled = false;
  } else if (m.type === "status") {
    status(m.text);
    if (m.network) document.body.dataset.network = m.network; // what is training, for the curious (and the tests)
  } else if (m.type === "epoch") {
    history.push(m);
    $("epoch").textContent = `${m.epoch} / ${m.epochs}`;
    $("test-accuracy").textContent = m.valAccuracy.toFixed(4);
    $("test-loss").textContent = m.valLoss.toFixed(4);
    $("throughput").textContent = `${Math.round(m.samplesPerSecond).toLocaleString()} samples/s`;
    drawChart();
    drawGrid(m.predictions);
  } else if (m.type === "quantized") {
    showQuantized(m);
  } else if (m.type === "done") {
    const early = m.bestEpoch ? ` Stopped early: no lower test loss after epoch ${m.bestEpoch}, whose weights are kept.` : "";
    status(`${m.stopped ? "Stopped" : "Done"}: test accuracy ${m.accuracy.toFixed(4)}, ${Math.round(m.samplesPerSecond).toLocaleString()} samples/s.${early}`);
    document.body.dataset.state = "done";
    setRunning(false);
  } else if (m.type === "error") {
    status(`Error: ${m.message}`);
    document.body.dataset.state = "error";
    setRunning(false);
  }
};

/** The float and int8 models side by side; the int8 file and its outputs stay on the page (the tests compare them with Node's). */
function showQuantized(m) {
  if (m.error) {
    $("quantized-note").textContent = `No int8 model: ${m.error}`;
    return;
  }
  const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  $("float-size").textContent = kb(m.floatBytes);
  $("int8-size").textContent = `${kb(m.int8Bytes)} (${(m.int8Bytes / m.floatBytes).toFixed(2)}×)`;
  $("float-latency").textContent = `${m.floatMicros.toFixed(1)} µs`;
  $("int8-latency").textContent = `${m.int8Micros.toFixed(1)} µs (${(m.int8Micros / m.floatMicros).toFixed(2)}×)`;
  $("float-accuracy").textContent = m.floatAccuracy.toFixed(4);
  $("int8-accuracy").textContent = m.int8Accuracy.toFixed(4);
  $("quantized-note").textContent =
    "Median of 15 rounds of 40 one-sample calls in the worker, alternating; the browser coarsens its clock, so short times are approximate.";
  globalThis.wasmlpDemo = { quantized: { model: m.model, outputs: m.outputs, pixels: Array.from(grid.pixels) } };
  document.body.dataset.quantized = "ready";
}

function setRunning(running) {
  $("train").disabled = running;
  $("stop").disabled = !running;
}

$("controls").addEventListener("submit", (event) => {
  event.preventDefault();
  const layers = $("layers")
    .value.split(",")
    .map((s) => Number(s.trim()));
  const config = {
    layers,
    activation: $("activation").value,
    optimizer: $("optimizer").value,
    learningRate: Number($("lr").value),
    batchSize: Number($("batch-size").value),
    epochs: Number($("epochs").value),
    seed: 1,
    dropout: Number($("dropout").value),
    earlyStopping: $("early-stopping").checked,
    normalization: $("normalization").value || null,
  };
  const bad = layers.some((n) => !Number.isInteger(n) || n < 1)
    ? "hidden layers must be whole numbers like 256,128"
    : !(config.learningRate > 0)
      ? "the learning rate must be positive"
      : !Number.isInteger(config.batchSize) || config.batchSize < 1
        ? "the batch size must be a whole number ≥ 1"
        : !Number.isInteger(config.epochs) || config.epochs < 1
          ? "epochs must be a whole number ≥ 1"
          : !(config.dropout >= 0 && config.dropout < 1)
            ? "dropout must be in [0, 1)"
            : null;
  if (bad) {
    status(`Check the settings: ${bad}.`);
    return;
  }
  history.length = 0;
  delete document.body.dataset.state;
  delete document.body.dataset.quantized;
  setRunning(true);
  worker.postMessage({ type: "train", config });
});
$("stop").addEventListener("click", () => worker.postMessage({ type: "stop" }));
$("optimizer").addEventListener("change", () => {
  $("lr").value = ["sgd", "momentum", "nesterov"].includes($("optimizer").value) ? "0.05" : "0.001";
});

function drawChart() {
  const canvas = $("chart"),
    ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const panels = [
    {
      title: "loss",
      keys: [
        ["loss", "#2f6fdb", "train"],
        ["valLoss", "#e07b1a", "test"],
      ],
      max: Math.max(...history.flatMap((h) => [h.loss, h.valLoss])),
      min: 0,
    },
    {
      title: "accuracy",
      keys: [
        ["accuracy", "#2f6fdb", "train"],
        ["valAccuracy", "#e07b1a", "test"],
      ],
      max: 1,
      min: Math.min(0.5, ...history.map((h) => h.valAccuracy)),
    },
  ];
  const pw = width / 2,
    pad = 36,
    n = Math.max(history.length, 2);
  panels.forEach((p, i) => {
    const x0 = i * pw + pad,
      y0 = 16,
      w = pw - pad - 12,
      h = height - y0 - 28;
    ctx.strokeStyle = "#bbb";
    ctx.strokeRect(x0, y0, w, h);
    ctx.fillStyle = "#333";
    ctx.font = "12px system-ui";
    ctx.fillText(`${p.title}  (epochs 1–${history.length})`, x0, 12);
    ctx.fillText(p.max.toFixed(2), x0 - 32, y0 + 10);
    ctx.fillText(p.min.toFixed(2), x0 - 32, y0 + h);
    p.keys.forEach(([key, color, label], k) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      history.forEach((e, j) => {
        const x = x0 + (j / (n - 1)) * w,
          y = y0 + h - ((e[key] - p.min) / (p.max - p.min || 1)) * h;
        j === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.fillStyle = color;
      ctx.fillText(label, x0 + 8 + k * 50, y0 + h + 20);
    });
  });
  canvas.dataset.points = String(history.length);
}

function drawGrid(predictions) {
  const container = $("grid");
  container.replaceChildren(
    ...grid.labels.map((label, i) => {
      const figure = document.createElement("figure");
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 28;
      const image = canvas.getContext("2d").createImageData(28, 28);
      for (let p = 0; p < 784; p++) {
        const v = 255 - Math.round(grid.pixels[i * 784 + p] * 255);
        image.data.set([v, v, v, 255], p * 4);
      }
      canvas.getContext("2d").putImageData(image, 0, 0);
      const caption = document.createElement("figcaption");
      const predicted = predictions ? predictions[i] : null;
      caption.textContent = predicted === null ? CLASSES[label] : `${CLASSES[predicted]} / ${CLASSES[label]}`;
      if (predicted !== null && predicted !== label) figure.className = "wrong";
      figure.append(canvas, caption);
      return figure;
    }),
  );
}
