import type { Pool2dParams, Shape, Storage } from '../backend.js';
import { convOutSize } from '../shape.js';
import { raw, wrap } from './storage.js';

/** [H_out, W_out] of a pooling window (floor mode, symmetric padding). */
export function poolOutSize(xShape: Shape, p: Pool2dParams): [number, number] {
  return [
    convOutSize(xShape[1], p.kernel[0], p.stride[0], p.padding[0], p.padding[0], 1),
    convOutSize(xShape[2], p.kernel[1], p.stride[1], p.padding[1], p.padding[1], 1),
  ];
}

/** y = max over the window; the workspace remembers where each max came from (for backward). */
export function maxPool2d(xs: Storage, xShape: Shape, p: Pool2dParams): { y: Storage; workspace: unknown } {
  const x = raw(xs);
  const [N, H, W, C] = xShape;
  const [Ho, Wo] = poolOutSize(xShape, p);
  const y = new Float32Array(N * Ho * Wo * C);
  const arg = new Int32Array(y.length);
  for (let n = 0; n < N; n++) for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
    const o = ((n * Ho + oy) * Wo + ox) * C;
    for (let c = 0; c < C; c++) { y[o + c] = -Infinity; arg[o + c] = -1; }
    for (let ky = 0; ky < p.kernel[0]; ky++) {
      const iy = oy * p.stride[0] - p.padding[0] + ky;
      if (iy < 0 || iy >= H) continue;
      for (let kx = 0; kx < p.kernel[1]; kx++) {
        const ix = ox * p.stride[1] - p.padding[1] + kx;
        if (ix < 0 || ix >= W) continue;
        const i = ((n * H + iy) * W + ix) * C;
        for (let c = 0; c < C; c++) if (x[i + c] > y[o + c] || arg[o + c] < 0) { y[o + c] = x[i + c]; arg[o + c] = i + c; }
      }
    }
  }
  return { y: wrap(y), workspace: arg };
}

/** The gradient goes to the cell that was the maximum, and nowhere else. */
export function maxPool2dBackward(gys: Storage, workspace: unknown, xShape: Shape): Storage {
  const gy = raw(gys);
  const arg = workspace as Int32Array;
  const gx = new Float32Array(xShape[0] * xShape[1] * xShape[2] * xShape[3]);
  for (let o = 0; o < gy.length; o++) if (arg[o] >= 0) gx[arg[o]] += gy[o];
  return wrap(gx);
}

/** Visit each (output cell, input cell) pair of the pooling windows, with the window's divisor. */
function avgWindows(xShape: Shape, p: Pool2dParams, visit: (o: number, i: number, inv: number) => void): void {
  const [N, H, W, C] = xShape;
  const [Ho, Wo] = poolOutSize(xShape, p);
  for (let n = 0; n < N; n++) for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
    const y0 = oy * p.stride[0] - p.padding[0], x0 = ox * p.stride[1] - p.padding[1];
    const y1 = Math.min(y0 + p.kernel[0], H + p.padding[0]), x1 = Math.min(x0 + p.kernel[1], W + p.padding[1]);
    const ya = Math.max(y0, 0), xa = Math.max(x0, 0), yb = Math.min(y1, H), xb = Math.min(x1, W);
    const count = p.countIncludePad !== false ? (y1 - y0) * (x1 - x0) : (yb - ya) * (xb - xa);
    const inv = 1 / count;
    const o = ((n * Ho + oy) * Wo + ox) * C;
    for (let iy = ya; iy < yb; iy++) for (let ix = xa; ix < xb; ix++) {
      const i = ((n * H + iy) * W + ix) * C;
      for (let c = 0; c < C; c++) visit(o + c, i + c, inv);
    }
  }
}

export function avgPool2d(xs: Storage, xShape: Shape, p: Pool2dParams): Storage {
  const x = raw(xs);
  const [Ho, Wo] = poolOutSize(xShape, p);
  const y = new Float32Array(xShape[0] * Ho * Wo * xShape[3]);
  avgWindows(xShape, p, (o, i, inv) => { y[o] += x[i] * inv; });
  return wrap(y);
}

export function avgPool2dBackward(gys: Storage, xShape: Shape, p: Pool2dParams): Storage {
  const gy = raw(gys);
  const gx = new Float32Array(xShape[0] * xShape[1] * xShape[2] * xShape[3]);
  avgWindows(xShape, p, (o, i, inv) => { gx[i] += gy[o] * inv; });
  return wrap(gx);
}

/** Adaptive bins as in PyTorch: bin i covers [floor(i·H/Ho), ceil((i+1)·H/Ho)). */
function adaptiveWindows(xShape: Shape, Ho: number, Wo: number, visit: (o: number, i: number, inv: number) => void): void {
  const [N, H, W, C] = xShape;
  for (let n = 0; n < N; n++) for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) {
    const ya = Math.floor((oy * H) / Ho), yb = Math.ceil(((oy + 1) * H) / Ho);
    const xa = Math.floor((ox * W) / Wo), xb = Math.ceil(((ox + 1) * W) / Wo);
    const inv = 1 / ((yb - ya) * (xb - xa));
    const o = ((n * Ho + oy) * Wo + ox) * C;
    for (let iy = ya; iy < yb; iy++) for (let ix = xa; ix < xb; ix++) {
      const i = ((n * H + iy) * W + ix) * C;
      for (let c = 0; c < C; c++) visit(o + c, i + c, inv);
    }
  }
}

export function adaptiveAvgPool2d(xs: Storage, xShape: Shape, Ho: number, Wo: number): Storage {
  const x = raw(xs);
  const y = new Float32Array(xShape[0] * Ho * Wo * xShape[3]);
  adaptiveWindows(xShape, Ho, Wo, (o, i, inv) => { y[o] += x[i] * inv; });
  return wrap(y);
}

export function adaptiveAvgPool2dBackward(gys: Storage, xShape: Shape, Ho: number, Wo: number): Storage {
  const gy = raw(gys);
  const gx = new Float32Array(xShape[0] * xShape[1] * xShape[2] * xShape[3]);
  adaptiveWindows(xShape, Ho, Wo, (o, i, inv) => { gx[i] += gy[o] * inv; });
  return wrap(gx);
}
