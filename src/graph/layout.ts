// Tensors of any rank on the backends' 2-D primitives. An operand read over an output shape has
// a stride per output axis (0 where it is broadcast); axes that are contiguous for every operand
// merge, and whatever is left beyond two axes becomes a loop over slices, each a 2-D primitive
// call on offset views of the same memory (no copy, no allocation per slice). Reductions, batched
// matrix products and axis permutations are written with the same pieces.
import type { Backend, Storage, Strided } from "./backend.js";

export const sizeOf = (s: readonly number[]): number => {
  let n = 1;
  for (let i = 0; i < s.length; i++) n *= s[i];
  return n;
};

/** Row-major strides of a shape (in values). */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = step;
    step *= shape[i];
  }
  return s;
}

/** Per axis of the output shape o, the stride of an operand of shape s read over it (numpy's right alignment; 0 where broadcast). */
export function broadcastStrides(s: readonly number[], o: readonly number[]): number[] {
  const st = stridesOf(s);
  const lead = o.length - s.length;
  return o.map((d, i) => (i < lead || (s[i - lead] === 1 && d !== 1) ? 0 : st[i - lead]));
}

/**
 * The same walk over fewer axes: axes of size 1 dropped, and neighbours merged where every
 * stride list steps through them as one axis (outer stride = inner stride × inner size).
 */
export function coalesce(dims: readonly number[], lists: readonly (readonly number[])[]): { dims: number[]; strides: number[][] } {
  const d: number[] = [];
  const st: number[][] = lists.map(() => []);
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const last = d.length - 1;
    if (last >= 0 && lists.every((l, k) => st[k][last] === l[i] * dims[i])) {
      d[last] *= dims[i];
      for (let k = 0; k < lists.length; k++) st[k][last] = lists[k][i];
    } else {
      d.push(dims[i]);
      for (let k = 0; k < lists.length; k++) st[k].push(lists[k][i]);
    }
  }
  return { dims: d, strides: st };
}

/**
 * Calls f(index, offsets) for each index of `dims` in row-major order, with each stride list's
 * offset at that index (an odometer: one add per step).
 */
export function eachOffset(dims: readonly number[], lists: readonly (readonly number[])[], f: (index: number, offsets: readonly number[]) => void): void {
  const n = sizeOf(dims);
  const at = new Array<number>(dims.length).fill(0);
  const offsets = new Array<number>(lists.length).fill(0);
  for (let i = 0; i < n; i++) {
    f(i, offsets);
    for (let d = dims.length - 1; d >= 0; d--) {
      at[d]++;
      for (let k = 0; k < lists.length; k++) offsets[k] += lists[k][d];
      if (at[d] < dims[d]) break;
      for (let k = 0; k < lists.length; k++) offsets[k] -= lists[k][d] * dims[d];
      at[d] = 0;
    }
  }
}

/**
 * An elementwise primitive over an output of shape o from operands broadcast into it: f gets
 * rows × cols, the operands as strided views and the output block, once per slice of the axes
 * left after merging (once in all when they merge into two).
 */
export function forEachSlice<S extends Storage>(
  be: Backend<S>,
  o: readonly number[],
  operands: readonly { s: S; shape: readonly number[] }[],
  out: S,
  f: (rows: number, cols: number, xs: Strided<S>[], out: S) => void,
): void {
  const { dims, strides } = coalesce(
    o,
    operands.map((x) => broadcastStrides(x.shape, o)),
  );
  const k = dims.length;
  const rows = k >= 2 ? dims[k - 2] : 1,
    cols = k >= 1 ? dims[k - 1] : 1;
  const views = operands.map((x, j) => ({ s: x.s, row: k >= 2 ? strides[j][k - 2] : 0, col: k >= 1 ? strides[j][k - 1] : 0 }));
  if (k <= 2) {
    f(rows, cols, views, out);
    return;
  }
  const block = rows * cols;
  let outView = be.offset(out, 0);
  eachOffset(
    dims.slice(0, k - 2),
    strides.map((s) => s.slice(0, k - 2)),
    (i, offsets) => {
      for (let j = 0; j < views.length; j++) views[j].s = be.offset(operands[j].s, offsets[j], views[j].s === operands[j].s ? undefined : views[j].s);
      outView = be.offset(out, i * block, outView);
      f(rows, cols, views, outView);
    },
  );
}

/**
 * out = scale · Σ of x (shape) over `axes` (sorted; null: all): the innermost group of reduced
 * axes first, each pass a sumRows (reduced axes last) or sumCols per slice of the axes before.
 */
export function sumAxes<S extends Storage>(be: Backend<S>, x: S, shape: readonly number[], axes: readonly number[] | null, out: S, scale: number): void {
  const n = sizeOf(shape);
  if (axes === null) {
    be.sumRows(1, n, x, out, scale);
    return;
  }
  const groups: { d: number; r: boolean }[] = [];
  const push = (d: number, r: boolean): void => {
    const last = groups[groups.length - 1];
    if (d === 1) return;
    if (last && last.r === r) last.d *= d;
    else groups.push({ d, r });
  };
  shape.forEach((d, i) => push(d, axes.includes(i)));
  let passes = groups.filter((g) => g.r).length;
  if (passes === 0) {
    // Only axes of size 1 are reduced: the values, scaled by 1/1.
    be.copy(n, x, out);
    return;
  }
  let src = x;
  const temps: S[] = [];
  try {
    while (passes > 0) {
      let j = groups.length - 1;
      while (!groups[j].r) j--;
      const outer = sizeOf(groups.slice(0, j).map((g) => g.d)),
        r = groups[j].d,
        inner = sizeOf(groups.slice(j + 1).map((g) => g.d));
      const last = passes === 1;
      const dst = last ? out : be.alloc(outer * inner);
      if (!last) temps.push(dst);
      const sc = last ? scale : 1;
      if (inner === 1) be.sumRows(outer, r, src, dst, sc);
      else if (outer === 1) be.sumCols(r, inner, src, dst, sc);
      else {
        let xs = be.offset(src, 0),
          os = be.offset(dst, 0);
        for (let i = 0; i < outer; i++) {
          xs = be.offset(src, i * r * inner, xs);
          os = be.offset(dst, i * inner, os);
          be.sumCols(r, inner, xs, os, sc);
        }
      }
      const rest = groups.splice(0, groups.length);
      rest.forEach((g, i) => {
        if (i !== j) push(g.d, g.r);
      });
      src = dst;
      passes--;
    }
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** out = x (shape) with its axes permuted: out's axis i is x's axis perm[i]. */
export function permuteInto<S extends Storage>(be: Backend<S>, x: S, shape: readonly number[], perm: readonly number[], out: S): void {
  const st = stridesOf(shape);
  const dims = perm.map((p) => shape[p]);
  const {
    dims: d,
    strides: [s],
  } = coalesce(dims, [perm.map((p) => st[p]), stridesOf(dims)]);
  const n = sizeOf(shape);
  if (d.length <= 1) {
    be.copy(n, x, out);
    return;
  }
  // Two merged axes swap: one 2-D transpose (x is d[1] × d[0]); three with the first in place: one per slice.
  if (d.length === 2) {
    be.transpose(d[1], d[0], x, out);
    return;
  }
  if (d.length === 3 && s[0] === d[1] * d[2]) {
    const block = d[1] * d[2];
    let xs = be.offset(x, 0),
      os = be.offset(out, 0);
    for (let b = 0; b < d[0]; b++) {
      xs = be.offset(x, b * block, xs);
      os = be.offset(out, b * block, os);
      be.transpose(d[2], d[1], xs, os);
    }
    return;
  }
  // Any other order: a strided copy, the innermost axis as a tight loop.
  const xv = x.view,
    ov = out.view;
  const k = d.length,
    last = d[k - 1],
    step = s[k - 1];
  let o = 0;
  eachOffset(d.slice(0, k - 1), [s.slice(0, k - 1)], (_i, [off]) => {
    for (let j = 0; j < last; j++) ov[o++] = xv[off + j * step];
  });
}
