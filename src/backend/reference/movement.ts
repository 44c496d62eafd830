import type { Shape, Storage } from '../backend.js';
import { forEachRow, numel, raw, stridesOf, wrap } from './storage.js';

/** out[i0..ir] = x[i_perm...]: out axis d is input axis perm[d]. */
export function permute(xs: Storage, shape: Shape, perm: readonly number[]): Storage {
  const x = raw(xs);
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const st = perm.map((p) => inStrides[p]);
  const out = new Float32Array(x.length);
  forEachRow(outShape, [st], (o, offs, len, s) => {
    for (let j = 0, i = offs[0]; j < len; j++, i += s[0]) out[o + j] = x[i];
  });
  return wrap(out);
}

/** The block starting at `starts` of size `sizes`. */
export function slice(xs: Storage, shape: Shape, starts: readonly number[], sizes: readonly number[]): Storage {
  const x = raw(xs);
  const st = stridesOf(shape);
  let base = 0;
  for (let d = 0; d < shape.length; d++) base += starts[d] * st[d];
  const out = new Float32Array(numel(sizes));
  forEachRow(sizes, [st], (o, offs, len) => {
    out.set(x.subarray(base + offs[0], base + offs[0] + len), o);
  });
  return wrap(out);
}

/** Constant padding: `before[d]` and `after[d]` cells of `value` on each axis. */
export function pad(xs: Storage, shape: Shape, before: readonly number[], after: readonly number[], value: number): Storage {
  const x = raw(xs);
  const outShape = shape.map((d, i) => d + before[i] + after[i]);
  const out = new Float32Array(numel(outShape));
  if (value !== 0) out.fill(value);
  const os = stridesOf(outShape);
  let base = 0;
  for (let d = 0; d < shape.length; d++) base += before[d] * os[d];
  // walk the input; its rows land at output offsets
  forEachRow(shape, [os], (i, offs, len) => {
    out.set(x.subarray(i, i + len), base + offs[0]);
  });
  return wrap(out);
}

export function concat(xs: readonly Storage[], shapes: readonly Shape[], axis: number): Storage {
  const outer = numel(shapes[0].slice(0, axis));
  const inner = numel(shapes[0].slice(axis + 1));
  const total = shapes.reduce((s, sh) => s + sh[axis], 0);
  const out = new Float32Array(outer * total * inner);
  let at = 0;
  xs.forEach((s, t) => {
    const x = raw(s);
    const block = shapes[t][axis] * inner;
    for (let o = 0; o < outer; o++) out.set(x.subarray(o * block, (o + 1) * block), o * total * inner + at * inner);
    at += shapes[t][axis];
  });
  return wrap(out);
}

/** Offset in a tensor of `shape` of the cell at index position `i` of an index tensor, with `axis` replaced by `k`. */
function gatherWalk(indexShape: Shape, shape: Shape, axis: number, visit: (srcPos: number, dstPos: number) => void, index: Int32Array): void {
  const xs = stridesOf(shape);
  const is = stridesOf(indexShape);
  const n = index.length;
  for (let i = 0; i < n; i++) {
    let rem = i, off = 0;
    for (let d = 0; d < indexShape.length; d++) {
      const c = Math.floor(rem / is[d]);
      rem -= c * is[d];
      off += (d === axis ? index[i] : c) * xs[d];
    }
    visit(i, off);
  }
}

export function gather(xs: Storage, shape: Shape, axis: number, index: Int32Array, indexShape: Shape): Storage {
  const x = raw(xs);
  const out = new Float32Array(index.length);
  gatherWalk(indexShape, shape, axis, (i, off) => { out[i] = x[off]; }, index);
  return wrap(out);
}

export function scatterAdd(srcs: Storage, indexShape: Shape, axis: number, index: Int32Array, shape: Shape): Storage {
  const src = raw(srcs);
  const out = new Float32Array(numel(shape));
  gatherWalk(indexShape, shape, axis, (i, off) => { out[off] += src[i]; }, index);
  return wrap(out);
}
