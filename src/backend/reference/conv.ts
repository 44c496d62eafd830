import type { Conv2dParams, Shape, Storage } from '../backend.js';
import { gemm } from './matmul.js';
import { convOutSize } from '../shape.js';
import { raw, wrap } from './storage.js';

interface Geometry { N: number; H: number; W: number; C: number; O: number; kh: number; kw: number; Cg: number; Og: number; Ho: number; Wo: number; G: number }

function geometry(xShape: Shape, wShape: Shape, p: Conv2dParams): Geometry {
  const [N, H, W, C] = xShape;
  const [O, kh, kw, Cg] = wShape;
  const G = p.groups;
  const Ho = convOutSize(H, kh, p.stride[0], p.padding[0], p.padding[1], p.dilation[0]);
  const Wo = convOutSize(W, kw, p.stride[1], p.padding[2], p.padding[3], p.dilation[1]);
  return { N, H, W, C, O, kh, kw, Cg, Og: O / G, Ho, Wo, G };
}

/**
 * im2col for image n, group g: cols[p, (ky*kw + kx)*Cg + c] = x[n, iy, ix, g*Cg + c],
 * with zeros where the window hangs over the padding. Row p = oy*Wo + ox.
 */
function im2col(x: Float32Array, n: number, g: number, geo: Geometry, p: Conv2dParams, cols: Float32Array): void {
  const { H, W, C, kh, kw, Cg, Ho, Wo } = geo;
  const K = kh * kw * Cg;
  cols.fill(0);
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      const row = (oy * Wo + ox) * K;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * p.stride[0] - p.padding[0] + ky * p.dilation[0];
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * p.stride[1] - p.padding[2] + kx * p.dilation[1];
          if (ix < 0 || ix >= W) continue;
          const src = ((n * H + iy) * W + ix) * C + g * Cg;
          const dst = row + (ky * kw + kx) * Cg;
          for (let c = 0; c < Cg; c++) cols[dst + c] = x[src + c];
        }
      }
    }
  }
}

/** The adjoint of im2col: add each column entry back to the pixel it came from. */
function col2im(cols: Float32Array, n: number, g: number, geo: Geometry, p: Conv2dParams, gx: Float32Array): void {
  const { H, W, C, kh, kw, Cg, Ho, Wo } = geo;
  const K = kh * kw * Cg;
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      const row = (oy * Wo + ox) * K;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * p.stride[0] - p.padding[0] + ky * p.dilation[0];
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * p.stride[1] - p.padding[2] + kx * p.dilation[1];
          if (ix < 0 || ix >= W) continue;
          const dst = ((n * H + iy) * W + ix) * C + g * Cg;
          const src = row + (ky * kw + kx) * Cg;
          for (let c = 0; c < Cg; c++) gx[dst + c] += cols[src + c];
        }
      }
    }
  }
}

/**
 * y[n, oy, ox, o] = b[o] + Σ_{ky,kx,c} x[n, oy*s - p + ky*d, ox*s - p + kx*d, g*Cg + c] · w[o, ky, kx, c]
 * As a matrix product per image and group: Y[P×Og] = cols[P×K] · W_g[Og×K]ᵀ.
 */
export function conv2d(xs: Storage, xShape: Shape, ws: Storage, wShape: Shape, bs: Storage | null, p: Conv2dParams): Storage {
  const x = raw(xs), w = raw(ws);
  const geo = geometry(xShape, wShape, p);
  const { N, O, kh, kw, Cg, Og, Ho, Wo, G } = geo;
  const P = Ho * Wo, K = kh * kw * Cg;
  const y = new Float32Array(N * P * O);
  if (bs) {
    const b = raw(bs);
    for (let i = 0; i < N * P; i++) y.set(b, i * O);
  }
  const cols = new Float32Array(P * K);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      im2col(x, n, g, geo, p, cols);
      gemm(false, true, P, Og, K, cols, 0, K, w, g * Og * K, K, y, n * P * O + g * Og, O);
    }
  }
  return wrap(y);
}

/** gx = col2im(gY · W_g): the gradient of conv2d with respect to its input. */
export function conv2dBackwardData(gys: Storage, ws: Storage, xShape: Shape, wShape: Shape, p: Conv2dParams): Storage {
  const gy = raw(gys), w = raw(ws);
  const geo = geometry(xShape, wShape, p);
  const { N, H, W, C, O, kh, kw, Cg, Og, Ho, Wo, G } = geo;
  const P = Ho * Wo, K = kh * kw * Cg;
  const gx = new Float32Array(N * H * W * C);
  const cols = new Float32Array(P * K);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      cols.fill(0);
      gemm(false, false, P, K, Og, gy, n * P * O + g * Og, O, w, g * Og * K, K, cols, 0, K);
      col2im(cols, n, g, geo, p, gx);
    }
  }
  return wrap(gx);
}

/** gW_g += gYᵀ · cols (summed over images), gb[o] = Σ gy[..., o]. */
export function conv2dBackwardWeights(gys: Storage, xs: Storage, xShape: Shape, wShape: Shape, p: Conv2dParams, withBias: boolean): { gw: Storage; gb: Storage | null } {
  const gy = raw(gys), x = raw(xs);
  const geo = geometry(xShape, wShape, p);
  const { N, O, kh, kw, Cg, Og, Ho, Wo, G } = geo;
  const P = Ho * Wo, K = kh * kw * Cg;
  const gw = new Float32Array(O * K);
  const cols = new Float32Array(P * K);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      im2col(x, n, g, geo, p, cols);
      gemm(true, false, Og, K, P, gy, n * P * O + g * Og, O, cols, 0, K, gw, g * Og * K, K);
    }
  }
  let gb: Float32Array | null = null;
  if (withBias) {
    gb = new Float32Array(O);
    for (let i = 0; i < N * P; i++) for (let o = 0; o < O; o++) gb[o] += gy[i * O + o];
  }
  return { gw: wrap(gw), gb: gb ? wrap(gb) : null };
}
