import type { ReduceOp, Shape, Storage } from '../backend.js';
import { forEachRow, numel, raw, stridesOf, wrap } from './storage.js';

/**
 * Reduce over `axes`; the output keeps those axes with size 1.
 * We walk the input in order and send each value to its output cell, whose
 * strides are those of the output with 0 on the reduced axes.
 */
export function reduce(op: ReduceOp, xs: Storage, shape: Shape, axes: readonly number[]): Storage {
  const x = raw(xs);
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float32Array(numel(outShape));
  if (op === 'max') out.fill(-Infinity);
  if (op === 'min') out.fill(Infinity);
  const os = stridesOf(outShape).map((s, i) => (axes.includes(i) ? 0 : s));
  // iterate the input as "output" of a one-input walk whose offsets are output offsets
  forEachRow(shape, [os], (i, offs, len, st) => {
    let o = offs[0];
    const d = st[0];
    if (op === 'sum') {
      if (d === 0) { let acc = 0; for (let j = 0; j < len; j++) acc += x[i + j]; out[o] += acc; }
      else for (let j = 0; j < len; j++, o += d) out[o] += x[i + j];
    } else if (op === 'max') {
      for (let j = 0; j < len; j++, o += d) if (x[i + j] > out[o] || Number.isNaN(x[i + j])) out[o] = x[i + j];
    } else {
      for (let j = 0; j < len; j++, o += d) if (x[i + j] < out[o] || Number.isNaN(x[i + j])) out[o] = x[i + j];
    }
  });
  return wrap(out);
}

/** Index of the extreme value along one axis (first one on ties), as float32. */
export function argReduce(op: 'argmax' | 'argmin', xs: Storage, shape: Shape, axis: number): Storage {
  const x = raw(xs);
  const outer = numel(shape.slice(0, axis)), n = shape[axis], inner = numel(shape.slice(axis + 1));
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0, bestV = x[o * n * inner + i];
      for (let k = 1; k < n; k++) {
        const v = x[(o * n + k) * inner + i];
        if (op === 'argmax' ? v > bestV : v < bestV) { best = k; bestV = v; }
      }
      out[o * inner + i] = best;
    }
  }
  return wrap(out);
}
