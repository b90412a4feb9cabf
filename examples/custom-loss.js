// Shows a loss written with wasmlp/graph's tensors: squared error that counts positive targets
// three times, trained with fitWithLoss, and the gradient of a scalar expression with grads().
// Usage: node examples/custom-loss.js [epochs=300]
import { init, Network } from "wasmlp";
import { add, div, fitWithLoss, grads, mean, mul, pow, sigmoid, sub, tensor, tidy } from "wasmlp/graph";

const epochs = Number(process.argv[2] ?? 300);
await init();

// d/dx and d/dy of f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²) at (3, −4).
const f = (x, y) => div(add(x, sigmoid(y)), add(sigmoid(x), pow(add(x, y), 2)));
const [dx, dy] = tidy(() => grads(f)(tensor(3), tensor(-4)).map((g) => g.item()));
console.log(`df/dx ${dx.toFixed(4)}  df/dy ${dy.toFixed(4)}`);

const net = new Network({
  inputSize: 2,
  layers: [
    { units: 8, activation: "tanh" },
    { units: 1, activation: "sigmoid" },
  ],
  optimizer: { type: "adam", learningRate: 0.05 },
  seed: 1,
});
const weighted = (yPred, yTrue) => mean(mul(yTrue.mul(2).add(1), sub(yPred, yTrue).pow(2)));
const x = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const { loss } = fitWithLoss(net, x, [[0], [1], [1], [0]], { loss: weighted, epochs, batchSize: 4 });
console.log(`weighted loss ${loss[0].toFixed(4)} -> ${loss.at(-1).toFixed(4)}`);
console.log("predictions", Array.from(net.predict(x), (p) => p.toFixed(2)).join(" "));
net.dispose();
