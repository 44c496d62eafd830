import type { Storage } from '../backend.js';
import { raw, wrap } from './storage.js';

/**
 * softmax(x)_j = e^(x_j - m) / Σ_k e^(x_k - m), m = max_k x_k (subtracting m avoids overflow);
 * log-softmax(x)_j = x_j - m - log Σ_k e^(x_k - m).
 */
export function softmax(xs: Storage, rows: number, cols: number, log: boolean): Storage {
  const x = raw(xs);
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j] > m) m = x[o + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[o + j] - m);
    if (log) { const lse = m + Math.log(sum); for (let j = 0; j < cols; j++) y[o + j] = x[o + j] - lse; }
    else for (let j = 0; j < cols; j++) y[o + j] = Math.exp(x[o + j] - m) / sum;
  }
  return wrap(y);
}

/**
 * softmax:     gx_j = y_j · (gy_j - Σ_k gy_k y_k)
 * log-softmax: gx_j = gy_j - e^(y_j) · Σ_k gy_k
 */
export function softmaxBackward(gys: Storage, ys: Storage, rows: number, cols: number, log: boolean): Storage {
  const gy = raw(gys), y = raw(ys);
  const gx = new Float32Array(y.length);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    if (log) {
      for (let j = 0; j < cols; j++) s += gy[o + j];
      for (let j = 0; j < cols; j++) gx[o + j] = gy[o + j] - Math.exp(y[o + j]) * s;
    } else {
      for (let j = 0; j < cols; j++) s += gy[o + j] * y[o + j];
      for (let j = 0; j < cols; j++) gx[o + j] = y[o + j] * (gy[o + j] - s);
    }
  }
  return wrap(gx);
}
