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
  if (mode === 'area' && outH <= h && outW <= w) return resizeArea(src, h, w, outH, outW);
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

/** Per output index, the input cells it covers and their weights (fractions of a cell, summing to 1). */
function areaTaps(out: number, n: number): { idx: number[][]; wt: number[][] } {
  const scale = n / out;
  const idx: number[][] = [], wt: number[][] = [];
  for (let o = 0; o < out; o++) {
    const a = o * scale, b = (o + 1) * scale;
    const ii: number[] = [], ww: number[] = [];
    for (let i = Math.floor(a); i < Math.min(Math.ceil(b), n); i++) {
      const cover = Math.min(b, i + 1) - Math.max(a, i);
      if (cover > 1e-9) { ii.push(i); ww.push(cover / scale); }
    }
    idx.push(ii); wt.push(ww);
  }
  return { idx, wt };
}

function resizeArea(src: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  const ty = areaTaps(outH, h), tx = areaTaps(outW, w);
  // separable: rows first, then columns
  const tmp = new Float32Array(h * outW);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      const ii = tx.idx[x], ww = tx.wt[x];
      for (let k = 0; k < ii.length; k++) s += src[y * w + ii[k]] * ww[k];
      tmp[y * outW + x] = s;
    }
  }
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const ii = ty.idx[y], ww = ty.wt[y];
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let k = 0; k < ii.length; k++) s += tmp[ii[k] * outW + x] * ww[k];
      out[y * outW + x] = s;
    }
  }
  return out;
}
