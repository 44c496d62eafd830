import { getBackend, type ResizeTaps } from '../backend/index.js';

export type Interpolation = 'bilinear' | 'area';

/**
 * Resize a single-channel float image [h, w] → [outH, outW].
 * - 'bilinear': half-pixel centres, src = (dst + 0.5)·scale - 0.5, clamped at the edges
 *   (cv2.INTER_LINEAR, torch's interpolate(align_corners=False)).
 * - 'area': each output pixel is the mean of the input area it covers, with fractional
 *   weights at the edges (cv2.INTER_AREA when shrinking); when enlarging it is bilinear, as in OpenCV.
 * Both are separable: per axis, each output index is a weighted sum of input indices (its taps),
 * rows first, then columns; an axis that keeps its size is left as it is. The taps are built here
 * for both backends; the backend only applies them.
 */
export function resize(src: Float32Array, h: number, w: number, outH: number, outW: number, mode: Interpolation = 'area'): Float32Array {
  if (src.length !== h * w) throw new RangeError(`resize: ${src.length} values do not fill a ${h}×${w} image`);
  if (!(outH >= 1 && outW >= 1 && Number.isInteger(outH) && Number.isInteger(outW))) throw new RangeError(`resize: invalid output size ${outH}×${outW}`);
  if (outH === h && outW === w) return src.slice();
  const area = mode === 'area' && outH <= h && outW <= w;
  const tx = outW === w ? null : axisTaps(area, outW, w), ty = outH === h ? null : axisTaps(area, outH, h);
  const B = getBackend();
  return B.resizeImage ? B.resizeImage(src, h, w, outH, outW, tx, ty) : applyTaps(src, h, w, outH, outW, tx, ty);
}

const tapCache = new Map<string, ResizeTaps>();

/** The taps of one axis (n → out), built once per setting. */
function axisTaps(area: boolean, out: number, n: number): ResizeTaps {
  const key = `${area}|${out}|${n}`;
  let t = tapCache.get(key);
  if (!t) {
    t = area ? areaTaps(out, n) : linearTaps(out, n);
    if (tapCache.size > 64) tapCache.clear();
    tapCache.set(key, t);
  }
  return t;
}

/** Bilinear: the two nearest input indices around the half-pixel centre, weighted by distance. */
function linearTaps(out: number, n: number): ResizeTaps {
  const scale = n / out;
  const start = new Int32Array(out + 1), idx = new Int32Array(2 * out), wt = new Float32Array(2 * out);
  for (let o = 0; o < out; o++) {
    const s = Math.max(0, (o + 0.5) * scale - 0.5);
    const a = Math.min(Math.floor(s), n - 1);
    idx[2 * o] = a; wt[2 * o] = 1 - (s - a);
    idx[2 * o + 1] = Math.min(a + 1, n - 1); wt[2 * o + 1] = s - a;
    start[o + 1] = 2 * o + 2;
  }
  return { start, idx, wt };
}

/** Area: the input cells the output cell covers, weighted by the fraction covered (the weights sum to 1). */
function areaTaps(out: number, n: number): ResizeTaps {
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
  return { start, idx: Int32Array.from(idx), wt: Float32Array.from(wt) };
}

/** The separable resize in TypeScript (the reference backend's): rows with tx, then columns with ty (null: the axis keeps its size). */
function applyTaps(src: Float32Array, h: number, w: number, outH: number, outW: number, tx: ResizeTaps | null, ty: ResizeTaps | null): Float32Array {
  let rows = src;
  if (tx) {
    rows = new Float32Array(h * outW);
    for (let y = 0; y < h; y++) {
      const r = y * w;
      for (let x = 0; x < outW; x++) {
        let s = 0;
        for (let k = tx.start[x]; k < tx.start[x + 1]; k++) s += src[r + tx.idx[k]] * tx.wt[k];
        rows[y * outW + x] = s;
      }
    }
  }
  if (!ty) return rows;
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const o = y * outW;
    for (let k = ty.start[y]; k < ty.start[y + 1]; k++) {
      const r = ty.idx[k] * outW, f = ty.wt[k];
      for (let x = 0; x < outW; x++) out[o + x] += rows[r + x] * f;
    }
  }
  return out;
}
