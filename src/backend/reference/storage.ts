import { ReleasedStorage, type Shape, type Storage } from '../backend.js';
import { numel } from '../shape.js';

export { numel };

/** Reference storage: a plain Float32Array in JS memory. */
export class F32Storage implements Storage {
  constructor(readonly data: Float32Array) {}
  get size(): number { return this.data.length; }
}

export function wrap(data: Float32Array): F32Storage { return new F32Storage(data); }

/** The Float32Array behind a storage; throws if it belongs to another backend. */
export function raw(s: Storage): Float32Array {
  if (!(s instanceof F32Storage)) {
    if (s instanceof ReleasedStorage) throw new Error(ReleasedStorage.message);
    throw new TypeError('storage belongs to another backend (expected Float32Array storage)');
  }
  return s.data;
}


/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

/**
 * Strides of `shape` seen in the coordinates of `outShape` (right-aligned, NumPy rules):
 * a broadcast axis gets stride 0, so the same input value is read along it.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, d) => (d < off || shape[d - off] === 1 ? 0 : own[d - off]));
}

/**
 * Visit every element of outShape in order, with the matching offsets into
 * inputs whose strides (in output coordinates) are given. The last axis is the
 * inner loop, so `inner(outOffset, offsets, length, innerStrides)` runs once per row.
 */
export function forEachRow(
  outShape: Shape, strides: number[][],
  inner: (o: number, offs: number[], len: number, st: number[]) => void,
): void {
  const rank = outShape.length;
  const k = strides.length;
  if (rank === 0) { inner(0, new Array(k).fill(0), 1, new Array(k).fill(0)); return; }
  const len = outShape[rank - 1];
  const innerSt = strides.map((s) => s[rank - 1]);
  const rows = numel(outShape) / len;
  if (rows === 0 || len === 0) return;
  const idx = new Array(rank - 1).fill(0);
  const offs = new Array(k).fill(0);
  for (let r = 0; r < rows; r++) {
    inner(r * len, offs, len, innerSt);
    // odometer increment over the outer axes
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      for (let j = 0; j < k; j++) offs[j] += strides[j][d];
      if (idx[d] < outShape[d]) break;
      for (let j = 0; j < k; j++) offs[j] -= strides[j][d] * outShape[d];
      idx[d] = 0;
    }
  }
}
