// The graph's activation functions and methods are generated from the activation table into
// checked-in TypeScript; this fails when the file is stale (regenerate: npm run build, then
// node scripts/graph-methods.mjs).
import { readFileSync } from "node:fs";
import { beforeAll, expect, test } from "vitest";
import { init } from "wasmlp";
import { renderActivationMethods } from "../../scripts/graph-methods.mjs";
import { activationOps } from "../../src/activations.js";
import * as g from "wasmlp/graph";

beforeAll(async () => {
  await init();
});

test("src/graph/activations.generated.ts is what the activation table gives", () => {
  const checkedIn = readFileSync(new URL("../../src/graph/activations.generated.ts", import.meta.url), "utf8");
  expect(checkedIn).toBe(renderActivationMethods(Object.keys(activationOps)));
});

test("every activation of the table is a graph op, a function and a method", () => {
  const t = g.tensor([0.5, -0.5]);
  for (const name of Object.keys(activationOps)) {
    const fn = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    expect(Object.hasOwn(g.activationGraphOps, name)).toBe(true);
    const viaFunction = (g as unknown as Record<string, (x: g.Tensor) => g.Tensor>)[fn](t);
    const viaMethod = (t as unknown as Record<string, () => g.Tensor>)[fn]();
    expect(Array.from(viaMethod.data())).toEqual(Array.from(viaFunction.data()));
    viaFunction.dispose();
    viaMethod.dispose();
  }
  t.dispose();
});
