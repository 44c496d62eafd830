import { getBackend } from '../backend/index.js';

export type Interpolation = 'bilinear' | 'area';

/**
 * Resize a single-channel float image [h, w] → [outH, outW].
 * - 'bilinear': half-pixel centres, src = (dst + 0.5)·scale - 0.5, clamped at the edges
 *   (cv2.INTER_LINEAR, torch's interpolate(align_corners=False)).
 * - 'area': each output pixel is the mean of the input area it covers, with fractional
 *   weights at the edges (cv2.INTER_AREA when shrinking); when enlarging it is bilinear, as in OpenCV.
 */
export function resize(src: Float32Array, h: number, w: number, outH: number, outW: number, mode: Interpolation = 'area'): Float32Array {
  if (src.length !== h * w) throw new RangeError(`resize: ${src.length} values do not fill a ${h}×${w} image`);
  if (!(outH >= 1 && outW >= 1 && Number.isInteger(outH) && Number.isInteger(outW))) throw new RangeError(`resize: invalid output size ${outH}×${outW}`);
  if (outH === h && outW === w) return src.slice();
  const area = mode === 'area' && outH <= h && outW <= w;
  const B = getBackend();
  if (B.resizeImage) return B.resizeImage(src, h, w, outH, outW, area);
  if (area) return resizeArea(src, h, w, outH, outW);
  return resizeBilinear(src, h, w, outH, outW);
}

function linearTaps(out: number, n: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const scale = n / out;
  const i0 = new Int32Array(out), i1 = new Int32Array(out), f = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    let s = (o + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    const a = Math.min(Math.floor(s), n - 1);
    i0[o] = a; i1[o] = Math.min(a + 1, n - 1); f[o] = s - a;
  }
  return { i0, i1, f };
}

function resizeBilinear(src: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  const ty = linearTaps(outH, h), tx = linearTaps(outW, w);
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const r0 = ty.i0[y] * w, r1 = ty.i1[y] * w, fy = ty.f[y];
    for (let x = 0; x < outW; x++) {
      const a = tx.i0[x], b = tx.i1[x], fx = tx.f[x];
      const top = src[r0 + a] + (src[r0 + b] - src[r0 + a]) * fx;
      const bot = src[r1 + a] + (src[r1 + b] - src[r1 + a]) * fx;
      out[y * outW + x] = top + (bot - top) * fy;
    }
  }
  return out;
}

/**
 * Per output index o, the input cells it covers: idx/wt[start[o] … start[o + 1]) (weights are
 * fractions of a cell, summing to 1). Flat typed arrays, built once per (out, n).
 */
interface Taps { start: Int32Array; idx: Int32Array; wt: Float32Array }
const tapCache = new Map<string, Taps>();

function areaTaps(out: number, n: number): Taps {
  const key = `${out}|${n}`;
  const hit = tapCache.get(key);
  if (hit) return hit;
  const scale = n / out;
  const start = new Int32Array(out + 1), idx: number[] = [], wt: number[] = [];
  for (let o = 0; o < out; o++) {
    const a = o * scale, b = (o + 1) * scale;
    for (let i = Math.floor(a); i < Math.min(Math.ceil(b), n); i++) {
      const cover = Math.min(b, i + 1) - Math.max(a, i);
      if (cover > 1e-9) { idx.push(i); wt.push(cover / scale); }
    }
    start[o + 1] = idx.length;
  }
  const taps = { start, idx: Int32Array.from(idx), wt: Float32Array.from(wt) };
  if (tapCache.size > 64) tapCache.clear();
  tapCache.set(key, taps);
  return taps;
}

function resizeArea(src: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  // separable: rows first, then columns; an axis that keeps its size is copied as it is
  let tmp = src;
  if (outW !== w) {
    const { start, idx, wt } = areaTaps(outW, w);
    tmp = new Float32Array(h * outW);
    for (let y = 0; y < h; y++) {
      const row = y * w;
      for (let x = 0; x < outW; x++) {
        let s = 0;
        for (let k = start[x]; k < start[x + 1]; k++) s += src[row + idx[k]] * wt[k];
        tmp[y * outW + x] = s;
      }
    }
  }
  if (outH === h) return tmp === src ? src.slice() : tmp;
  const { start, idx, wt } = areaTaps(outH, h);
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const o = y * outW;
    for (let k = start[y]; k < start[y + 1]; k++) {
      const r = idx[k] * outW, f = wt[k];
      for (let x = 0; x < outW; x++) out[o + x] += tmp[r + x] * f;
    }
  }
  return out;
}
