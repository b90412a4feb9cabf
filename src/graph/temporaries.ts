// Disposing a gradient rule's temporaries as it goes: each helper hands on its result and
// releases what it was made from (a recorded graph still reading one keeps its memory).
import type { Tensor } from "./tensor.js";

/** Returns next, disposing prev when the caller owned it. */
export function swap(prev: Tensor, next: Tensor, ownedPrev: boolean): Tensor {
  if (ownedPrev && prev !== next) prev.dispose();
  return next;
}

/** f(a, b) with a and b disposed after (temporaries of a gradient rule). */
export function consume(a: Tensor, b: Tensor, f: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const out = f(a, b);
  if (a !== out) a.dispose();
  if (b !== out && b !== a) b.dispose();
  return out;
}

/** f(t) with t disposed after. */
export function after(t: Tensor, f: (t: Tensor) => Tensor): Tensor {
  const out = f(t);
  if (out !== t) t.dispose();
  return out;
}
