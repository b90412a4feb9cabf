// The browser build imported in a bare page (no demo code): forward and backward agree with
// the same computation in Node.
import { beforeAll, expect, test } from "vitest";
import { Network, init } from "../../src/index.js";
import { Random, expectClose, randomArray } from "../helpers.js";
import { browserAvailable, useBrowserAndServer } from "./browser.js";

const env = useBrowserAndServer();
const maybe = browserAvailable ? test : test.skip;

beforeAll(async () => {
  await init();
});

maybe(
  "dist/wasmlp.browser.js computes in Chromium what it computes in Node",
  async () => {
    const rng = new Random(31);
    const options = {
      inputSize: 6,
      layers: [
        { units: 5, activation: "tanh" as const },
        { units: 3, activation: "softmax" as const },
      ],
      seed: 7,
    };
    const xs = randomArray(rng, 4 * 6, 2),
      dOuts = randomArray(rng, 4 * 3);
    const x = Array.from(xs),
      dOut = Array.from(dOuts);
    const net = new Network(options);
    const expected = {
      out: Array.from(net.forward(xs)),
      ...(() => {
        const b = net.backward(dOuts);
        return { dInput: Array.from(b.dInput), dW0: Array.from(b.grads[0].dW) };
      })(),
    };

    const page = await env.browser().newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${env.url()}/test/browser/blank.html`);
    // A script string, not a function: the test runner would rewrite a function's import().
    const got = (await page.evaluate(`(async () => {
    const { init, Network } = await import("/dist/wasmlp.browser.js");
    await init();
    const net = new Network(${JSON.stringify(options)});
    const out = Array.from(net.forward(new Float32Array(${JSON.stringify(x)})));
    const b = net.backward(new Float32Array(${JSON.stringify(dOut)}));
    return { out, dInput: Array.from(b.dInput), dW0: Array.from(b.grads[0].dW) };
  })()`)) as { out: number[]; dInput: number[]; dW0: number[] };
    expectClose(got.out, expected.out, 0, "outputs");
    expectClose(got.dInput, expected.dInput, 0, "dInput");
    expectClose(got.dW0, expected.dW0, 0, "dW of layer 0");
    expect(errors).toEqual([]);
    await page.close();
  },
  60_000,
);
