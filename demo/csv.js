// The page side of the CSV demo: the file (dropped or chosen), the target menu, the inferred
// column types, the worker's training curves, the held-out metrics and the model download.
import { simdSupported } from "../dist/wasmlp.browser.js";
const $ = (id) => document.getElementById(id);
const status = (text) => {
  $("status").textContent = text;
};
const history = [];
let file = null,
  ready = false,
  task = null,
  modelUrl = null;

if (!simdSupported()) {
  $("unsupported").hidden = false;
  document.querySelectorAll("input, select, button").forEach((el) => {
    el.disabled = true;
  });
  status("WebAssembly SIMD is not available.");
  throw new Error("WebAssembly SIMD is not supported here");
}

const worker = new Worker(new URL("csv-worker.js", import.meta.url), { type: "module" });

worker.onmessage = ({ data: m }) => {
  if (m.type === "ready") {
    ready = true;
    $("threads").textContent = String(m.threads);
    status("Ready: drop a CSV file or choose one.");
    setRunning(false);
  } else if (m.type === "loaded") {
    const target = $("target");
    target.replaceChildren(...m.columns.map((c, i) => new Option(c, c, false, i === m.columns.length - 1)));
    target.disabled = false;
    status(`${m.name}: ${m.rows.toLocaleString()} rows, ${m.columns.length} columns. Pick the column to predict.`);
    inspect();
  } else if (m.type === "inspected") {
    task = m.task;
    $("task").textContent =
      m.task === "classification" ? `classification (${m.outputs} classes)` : `regression${m.outputs > 1 ? ` (${m.outputs} targets)` : ""}`;
    showColumns(m.columns);
    status(`Predicting ${m.target}: ${m.task}. Press Train.`);
    setRunning(false);
  } else if (m.type === "status") {
    status(m.text);
    if (m.network) document.body.dataset.network = m.network;
    if (m.columns) showColumns(m.columns); // the statistics of the training rows
  } else if (m.type === "epoch") {
    history.push(m);
    $("epoch").textContent = `${m.epoch} / ${m.epochs}`;
    $("metric-name").textContent = m.valAccuracy === undefined ? "Test loss" : "Test accuracy";
    $("metric").textContent = (m.valAccuracy ?? m.valLoss).toFixed(4);
    drawChart();
  } else if (m.type === "done") {
    showResult(m.result);
    if (modelUrl) URL.revokeObjectURL(modelUrl);
    modelUrl = URL.createObjectURL(new Blob([m.model], { type: "application/json" }));
    $("download").href = modelUrl;
    $("download").download = `${($("target").value || "model").replace(/[^\w.-]+/g, "_")}-model.json`;
    $("download").hidden = false;
    document.body.dataset.predictions = JSON.stringify(m.predictions); // the first rows of the file, predicted (the test compares them with Node)
    const r = m.result;
    const summary =
      r.task === "classification"
        ? `held-out accuracy ${r.accuracy.toFixed(4)} (macro F1 ${r.macroF1.toFixed(4)})`
        : `held-out R² ${r.r2.toFixed(4)}, MAE ${r.mae.toPrecision(4)}, RMSE ${r.rmse.toPrecision(4)}`;
    status(`${m.stopped ? "Stopped" : "Done"}: ${summary}.`);
    document.body.dataset.state = "done";
    setRunning(false);
  } else if (m.type === "error") {
    status(`Error: ${m.message}`);
    document.body.dataset.state = "error";
    setRunning(false);
  }
};

function setRunning(running) {
  $("train").disabled = running || !ready || task === null;
  $("stop").disabled = !running;
}

async function load(f) {
  file = f;
  task = null;
  $("download").hidden = true;
  delete document.body.dataset.state;
  setRunning(false);
  status(`Reading ${f.name}…`);
  const bytes = new Uint8Array(await f.arrayBuffer());
  worker.postMessage({ type: "load", bytes, name: f.name, delimiter: $("delimiter").value }, [bytes.buffer]);
}

function inspect() {
  task = null;
  setRunning(false);
  worker.postMessage({ type: "inspect", target: $("target").value });
}

function showColumns(columns) {
  const body = $("columns").tBodies[0];
  body.replaceChildren(
    ...columns.map((c) => {
      const tr = document.createElement("tr");
      for (const text of [c.name, c.type, c.encoding]) tr.append(Object.assign(document.createElement("td"), { textContent: text }));
      tr.dataset.column = c.name;
      return tr;
    }),
  );
  $("columns").hidden = false;
}

$("file").addEventListener("change", () => {
  if ($("file").files[0]) load($("file").files[0]);
});
$("drop").addEventListener("dragover", (e) => {
  e.preventDefault();
  $("drop").classList.add("over");
});
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (e) => {
  e.preventDefault();
  $("drop").classList.remove("over");
  if (e.dataTransfer.files[0]) load(e.dataTransfer.files[0]);
});
$("delimiter").addEventListener("change", () => {
  if (file) load(file);
});
$("target").addEventListener("change", inspect);

$("controls").addEventListener("submit", (event) => {
  event.preventDefault();
  const layers = $("layers")
    .value.split(",")
    .map((s) => Number(s.trim()));
  const config = {
    layers,
    learningRate: Number($("lr").value),
    batchSize: Number($("batch-size").value),
    epochs: Number($("epochs").value),
    testFraction: Number($("test-fraction").value),
  };
  const bad = layers.some((n) => !Number.isInteger(n) || n < 1)
    ? "hidden layers must be whole numbers like 32,16"
    : !(config.learningRate > 0)
      ? "the learning rate must be positive"
      : !Number.isInteger(config.batchSize) || config.batchSize < 1
        ? "the batch size must be a whole number ≥ 1"
        : !Number.isInteger(config.epochs) || config.epochs < 1
          ? "epochs must be a whole number ≥ 1"
          : !(config.testFraction > 0 && config.testFraction < 1)
            ? "the held-out fraction must be in (0, 1)"
            : null;
  if (bad) {
    status(`Check the settings: ${bad}.`);
    return;
  }
  history.length = 0;
  delete document.body.dataset.state;
  $("download").hidden = true;
  $("confusion").hidden = $("scatter").hidden = $("result-title").hidden = true;
  setRunning(true);
  worker.postMessage({ type: "train", target: $("target").value, config });
});
$("stop").addEventListener("click", () => worker.postMessage({ type: "stop" }));

function drawChart() {
  const canvas = $("chart"),
    ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const x0 = 48,
    y0 = 16,
    w = width - x0 - 12,
    h = height - y0 - 28,
    n = Math.max(history.length, 2);
  const max = Math.max(...history.flatMap((e) => [e.loss, e.valLoss]).filter(Number.isFinite));
  ctx.strokeStyle = "#bbb";
  ctx.strokeRect(x0, y0, w, h);
  ctx.fillStyle = "#333";
  ctx.font = "12px system-ui";
  ctx.fillText(`loss (epochs 1–${history.length})`, x0, 12);
  ctx.fillText(max.toPrecision(3), 4, y0 + 10);
  ctx.fillText("0", 30, y0 + h);
  [
    ["loss", "#2f6fdb", "train"],
    ["valLoss", "#e07b1a", "test"],
  ].forEach(([key, color, label], k) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    history.forEach((e, j) => {
      const x = x0 + (j / (n - 1)) * w,
        y = y0 + h - (e[key] / (max || 1)) * h;
      j === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fillText(label, x0 + 8 + k * 50, y0 + h + 20);
  });
  canvas.dataset.points = String(history.length);
}

function showResult(r) {
  $("result-title").hidden = false;
  if (r.task === "classification") {
    $("result-title").textContent = "Held-out confusion matrix (rows: true class, columns: predicted)";
    const head = document.createElement("tr");
    head.append(
      Object.assign(document.createElement("th"), { textContent: "" }),
      ...r.classes.map((c) => Object.assign(document.createElement("th"), { textContent: c })),
    );
    const rows = r.confusion.map((counts, i) => {
      const tr = document.createElement("tr");
      tr.append(
        Object.assign(document.createElement("th"), { textContent: r.classes[i] }),
        ...counts.map((v, j) => Object.assign(document.createElement("td"), { textContent: String(v), className: i === j ? "hit" : "" })),
      );
      return tr;
    });
    $("confusion").replaceChildren(head, ...rows);
    $("confusion").hidden = false;
    return;
  }
  $("result-title").textContent = `Held-out rows: predicted against true ${r.targets[0]}`;
  const canvas = $("scatter"),
    ctx = canvas.getContext("2d");
  const { width, height } = canvas,
    pad = 40;
  const values = r.points.flat();
  const lo = Math.min(...values),
    hi = Math.max(...values),
    span = hi - lo || 1;
  const px = (v) => pad + ((v - lo) / span) * (width - 2 * pad),
    py = (v) => height - pad - ((v - lo) / span) * (height - 2 * pad);
  ctx.clearRect(0, 0, width, height);
  ctx.strokeStyle = "#bbb";
  ctx.strokeRect(pad, pad, width - 2 * pad, height - 2 * pad);
  ctx.strokeStyle = "#999";
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.moveTo(px(lo), py(lo));
  ctx.lineTo(px(hi), py(hi));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = "#2f6fdb";
  for (const [t, p] of r.points) {
    ctx.beginPath();
    ctx.arc(px(t), py(p), 3, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.fillStyle = "#333";
  ctx.font = "12px system-ui";
  ctx.fillText("true", width / 2, height - 10);
  ctx.fillText("predicted", 4, pad - 8);
  canvas.dataset.points = String(r.points.length);
  canvas.hidden = false;
}
