import type { Storage } from '../backend.js';
import { raw, wrap } from './storage.js';

/**
 * Batch normalisation over the rows of x [rows, C] (rows = N·H·W, channels last):
 *   y = γ · (x - μ) / √(σ² + ε) + β
 * Training uses the batch's μ and biased σ²; inference the running ones.
 * relu: then y = max(y, 0).
 */
export function batchNorm(xs: Storage, rows: number, C: number, gs: Storage, bs: Storage, eps: number,
  running: { mean: Storage; var: Storage } | null, relu = false): { y: Storage; mean: Storage; var: Storage } {
  const x = raw(xs), gamma = raw(gs), beta = raw(bs);
  const mean = new Float64Array(C), variance = new Float64Array(C), invStd = new Float64Array(C);
  if (running) {
    mean.set(raw(running.mean));
    variance.set(raw(running.var));
  } else {
    for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) mean[c] += x[r * C + c];
    for (let c = 0; c < C; c++) mean[c] /= rows;
    for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) { const d = x[r * C + c] - mean[c]; variance[c] += d * d; }
    for (let c = 0; c < C; c++) variance[c] /= rows;
  }
  for (let c = 0; c < C; c++) invStd[c] = 1 / Math.sqrt(variance[c] + eps);
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) {
    const v = gamma[c] * (x[r * C + c] - mean[c]) * invStd[c] + beta[c];
    y[r * C + c] = relu && !(v > 0) ? 0 : v;
  }
  return { y: wrap(y), mean: wrap(Float32Array.from(mean)), var: wrap(Float32Array.from(variance)) };
}

/**
 * With x̂ = (x - μ)·s, s = 1/√(σ²+ε):  gβ = Σ gy,  gγ = Σ gy·x̂,
 * training:  gx = γ·s/M · (M·gy - gβ - x̂·gγ)   (μ and σ² depend on x),
 * inference: gx = γ·s·gy                      (they are constants).
 * After a fused relu, gy is first zeroed where the output y was not positive.
 */
export function batchNormBackward(gys: Storage, xs: Storage, rows: number, C: number, gs: Storage, ms: Storage, vs: Storage,
  eps: number, training: boolean, relu?: { y: Storage }): { gx: Storage; gGamma: Storage; gBeta: Storage } {
  const x = raw(xs), gamma = raw(gs), mean = raw(ms), v = raw(vs);
  let gy = raw(gys);
  if (relu) { const y = raw(relu.y); gy = gy.map((g, i) => (y[i] > 0 ? g : 0)); }
  const s = Float64Array.from(v, (vc) => 1 / Math.sqrt(vc + eps));
  const gBeta = new Float64Array(C), gGamma = new Float64Array(C);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) {
    const i = r * C + c;
    gBeta[c] += gy[i];
    gGamma[c] += gy[i] * (x[i] - mean[c]) * s[c];
  }
  const gx = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) {
    const i = r * C + c;
    if (training) {
      const xhat = (x[i] - mean[c]) * s[c];
      gx[i] = (gamma[c] * s[c] / rows) * (rows * gy[i] - gBeta[c] - xhat * gGamma[c]);
    } else {
      gx[i] = gamma[c] * s[c] * gy[i];
    }
  }
  return { gx: wrap(gx), gGamma: wrap(Float32Array.from(gGamma)), gBeta: wrap(Float32Array.from(gBeta)) };
}
