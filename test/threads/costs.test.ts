// The dispatcher reads each elementwise kernel's thread cost class from the op registries
// (src/activations.ts, src/optimizers.ts): a registry kernel without one fails here by name,
// instead of its passes silently staying on one thread.
import { expect, test } from "vitest";
import { activationKernels } from "../../src/activations.js";
import { optimizerKernels } from "../../src/optimizers.js";
import { costOf, THREAD_SIGNATURES } from "../../src/threads/parallel.js";
import type { CostClass } from "../../src/activations.js";

const kernels = [...activationKernels(), ...optimizerKernels()];

test.each(kernels.map((k) => [k.name, k.cost] as const))("registry kernel %s has a thread cost class, and the threads can run it", (name, cost) => {
  expect(["cheap", "divides", "transcendental"]).toContain(cost);
  expect(costOf(name, cost)).toBeGreaterThan(0);
  expect(THREAD_SIGNATURES.get(name)).toBe(kernels.find((k) => k.name === name)!.signature);
});

test("a kernel without a cost class is refused by name", () => {
  expect(() => costOf("mish_forward", undefined as unknown as CostClass)).toThrow(
    "wasmlp internal error: kernel mish_forward has no thread cost class (received undefined; expected one of cheap, divides, transcendental)",
  );
  expect(() => costOf("mish_forward", "toString" as CostClass)).toThrow(/mish_forward has no thread cost class/);
});
