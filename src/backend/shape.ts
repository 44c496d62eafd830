import type { Shape } from './backend.js';

/** An error about shapes: names the op and the shapes involved. */
export class ShapeError extends Error {
  constructor(message: string) { super(message); this.name = 'ShapeError'; }
}

export function fmt(shape: Shape): string { return `[${shape.join(', ')}]`; }

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Output size of a convolution or pooling window along one axis (floor mode):
 *   out = floor((size + padBefore + padAfter - dilation·(k - 1) - 1) / stride + 1).
 */
export function convOutSize(size: number, k: number, stride: number, padBefore: number, padAfter: number, dilation = 1): number {
  return Math.floor((size + padBefore + padAfter - dilation * (k - 1) - 1) / stride + 1);
}

/** NumPy broadcasting: align right; each pair of sizes is equal or one of them is 1. */
export function broadcastShapes(a: Shape, b: Shape, op = 'broadcast'): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}
