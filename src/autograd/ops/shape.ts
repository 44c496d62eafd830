import { fmt, numel, ShapeError } from '../../backend/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { normAxis, record } from '../record.js';

/**
 * The same values with a new shape (one dimension may be -1: inferred).
 * Storage is shared: tensors are always contiguous, so this costs nothing.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = [...shape];
  const infer = s.indexOf(-1);
  if (infer >= 0) {
    const rest = numel(s.filter((_, i) => i !== infer));
    if (rest === 0 || x.size % rest !== 0) throw new ShapeError(`reshape: cannot reshape ${fmt(x.shape)} into ${fmt(shape)}`);
    s[infer] = x.size / rest;
  }
  if (numel(s) !== x.size || s.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} values) into ${fmt(shape)}`);
  }
  return record('reshape', x.storage, s, [x], (g) => [reshape(g, x.shape)]);
}

/** Merge axes start..end into one: [N, H, W, C] → [N, H·W·C] by default. */
export function flatten(x: Tensor, start = 1, end = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normAxis(start, x.rank, 'flatten'), e = normAxis(end, x.rank, 'flatten');
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Insert an axis of size 1. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Remove axes of size 1 (the given one, or all). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normAxis(axis, x.rank, 'squeeze');
  return x.shape[a] === 1 ? reshape(x, x.shape.filter((_, i) => i !== a)) : x;
}

/** Reorder axes: output axis d is input axis perm[d]. The gradient is permuted back by the inverse. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normAxis(a, x.rank, 'permute'));
  if (p.length !== x.rank || new Set(p).size !== p.length) throw new ShapeError(`permute: ${fmt(perm)} is not a permutation of the ${x.rank} axes of ${fmt(x.shape)}`);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => { inverse[a] = i; });
  const B = x.backend;
  return record('permute', B.permute(x.storage, x.shape, p), p.map((a) => x.shape[a]), [x], (g) => [permute(g, inverse)]);
}

/** Swap two axes. */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = x.shape.map((_, i) => i);
  const i = normAxis(a, x.rank, 'transpose'), j = normAxis(b, x.rank, 'transpose');
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return permute(x, perm);
}

/** The block of `sizes` starting at `starts` (per axis). Backward: pad with zeros. */
export function slice(x: Tensor, starts: readonly number[], sizes: readonly number[]): Tensor {
  if (starts.length !== x.rank || sizes.length !== x.rank || x.shape.some((d, i) => starts[i] < 0 || sizes[i] < 0 || starts[i] + sizes[i] > d)) {
    throw new ShapeError(`slice: block at ${fmt(starts)} of size ${fmt(sizes)} does not fit in ${fmt(x.shape)}`);
  }
  const B = x.backend;
  const after = x.shape.map((d, i) => d - starts[i] - sizes[i]);
  return record('slice', B.slice(x.storage, x.shape, starts, sizes), sizes, [x], (g) => [pad(g, starts, after)]);
}

/** `length` entries of one axis from `start` (torch.narrow). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normAxis(axis, x.rank, 'narrow');
  return slice(x, x.shape.map((_, i) => (i === a ? start : 0)), x.shape.map((d, i) => (i === a ? length : d)));
}

/** Constant padding with `before[d]` and `after[d]` cells per axis. Backward: slice out the middle. */
export function pad(x: Tensor, before: readonly number[], after: readonly number[], value = 0): Tensor {
  if (before.length !== x.rank || after.length !== x.rank || [...before, ...after].some((v) => !Number.isInteger(v) || v < 0)) {
    throw new ShapeError(`pad: padding ${fmt(before)}/${fmt(after)} does not match ${fmt(x.shape)}`);
  }
  const shape = x.shape.map((d, i) => d + before[i] + after[i]);
  const B = x.backend;
  return record('pad', B.pad(x.storage, x.shape, before, after, value), shape, [x], (g) => [slice(g, before, x.shape)]);
}

/** Join tensors along an existing axis. Backward: each input gets its slice. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('concat: no tensors given');
  const a = normAxis(axis, xs[0].rank, 'concat');
  for (const t of xs) {
    if (t.rank !== xs[0].rank || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      throw new ShapeError(`concat: shapes ${xs.map((u) => fmt(u.shape)).join(', ')} differ outside axis ${a}`);
    }
  }
  const shape = xs[0].shape.map((d, i) => (i === a ? xs.reduce((s, t) => s + t.shape[a], 0) : d));
  const B = xs[0].backend;
  return record('concat', B.concat(xs.map((t) => t.storage), xs.map((t) => t.shape), a), shape, xs, (g) => {
    let at = 0;
    return xs.map((t) => { const part = narrow(g, a, at, t.shape[a]); at += t.shape[a]; return part; });
  });
}

/** Join tensors of one shape along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('stack: no tensors given');
  const a = normAxis(axis, xs[0].rank + 1, 'stack');
  return concat(xs.map((t) => unsqueeze(t, a)), a);
}

/**
 * torch.gather: out[i][j] = x[i][index[i][j]] for axis 1 (any axis, any rank).
 * `index` holds integers, with x's rank. Backward: scatter-add into zeros.
 */
export function gather(x: Tensor, axis: number, index: Int32Array | Tensor, indexShape?: readonly number[]): Tensor {
  const a = normAxis(axis, x.rank, 'gather');
  const idx = index instanceof Tensor ? Int32Array.from(index.toArray()) : index;
  const ishape = index instanceof Tensor ? index.shape : indexShape ?? [idx.length];
  if (ishape.length !== x.rank || numel(ishape) !== idx.length) throw new ShapeError(`gather: index of shape ${fmt(ishape)} does not match input ${fmt(x.shape)}`);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= x.shape[a]) throw new RangeError(`gather: index ${idx[i]} at position ${i} is out of range [0, ${x.shape[a]}) on axis ${a}`);
  }
  const B = x.backend;
  return record('gather', B.gather(x.storage, x.shape, a, idx, ishape), ishape, [x], (g) => [
    new Tensor(B.scatterAdd(g.storage, ishape, a, idx, x.shape), x.shape, B),
  ]);
}
