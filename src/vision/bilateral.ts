import { getBackend } from '../backend/index.js';
import { reflect101 } from './border.js';

export interface BilateralOptions {
  /** Diameter of the neighbourhood; when ≤ 0 the radius is round(1.5·sigmaSpace). */
  d: number;
  /** Range sigma: how different two values may be and still be averaged (in image units). */
  sigmaColor: number;
  /** Spatial sigma, in pixels. */
  sigmaSpace: number;
}

/** cvRound: round half to even (lrint in the default rounding mode). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Bilateral filter (Tomasi & Manduchi 1998) on a single-channel float image
 * [h, w], with OpenCV's cv2.bilateralFilter semantics for CV_32F:
 *
 *   out(p) = Σ_q w(p,q)·I(q) / Σ_q w(p,q),
 *   w(p,q) = exp(-|p-q|²/(2σs²)) · exp(-(I(p)-I(q))²/(2σc²)),
 *
 * over a disc of radius r = d/2 (or round(1.5·σs) when d ≤ 0), reflect-101
 * borders. Like OpenCV, the range weight comes from a 4096-bin lookup table
 * over the image's value range with linear interpolation, and a constant image
 * is returned unchanged.
 *
 * Runs the backend's kernel when it has one (the native backend: the same
 * algorithm in C++, vectorised across pixels), else this TypeScript version.
 * @example bilateralFilter(img, 64, 64, { d: 9, sigmaColor: 0.1, sigmaSpace: 5 })
 */
export function bilateralFilter(src: Float32Array, h: number, w: number, o: BilateralOptions): Float32Array {
  checkArgs(src, h, w, o);
  const B = getBackend();
  return B.bilateralFilter ? B.bilateralFilter(src, h, w, o.d, o.sigmaColor, o.sigmaSpace) : bilateralFilterReference(src, h, w, o);
}

/** The bilateral filter in plain TypeScript, written to be read (and the oracle of the native kernel). */
/** The limits both kernels keep: the neighbourhood's size bounds the work and the memory of its tables. */
export const BILATERAL_LIMITS = { maxDiameter: 255, maxSigmaSpace: 100 };

function checkArgs(src: Float32Array, h: number, w: number, o: BilateralOptions): void {
  if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 1 && w >= 1) || src.length !== h * w) throw new RangeError(`bilateralFilter: ${src.length} values do not fill a ${h}×${w} image`);
  if (!Number.isInteger(o.d) || o.d > BILATERAL_LIMITS.maxDiameter) throw new RangeError(`bilateralFilter: diameter d = ${o.d} should be a whole number ≤ ${BILATERAL_LIMITS.maxDiameter}`);
  if (!(o.sigmaSpace < BILATERAL_LIMITS.maxSigmaSpace) || Number.isNaN(o.sigmaColor)) throw new RangeError(`bilateralFilter: sigmaSpace ${o.sigmaSpace} should be below ${BILATERAL_LIMITS.maxSigmaSpace} pixels and sigmaColor ${o.sigmaColor} a number`);
}

export function bilateralFilterReference(src: Float32Array, h: number, w: number, o: BilateralOptions): Float32Array {
  checkArgs(src, h, w, o);
  const sigmaColor = o.sigmaColor > 0 ? o.sigmaColor : 1;
  const sigmaSpace = o.sigmaSpace > 0 ? o.sigmaSpace : 1;
  const colorCoeff = -0.5 / (sigmaColor * sigmaColor);
  const spaceCoeff = -0.5 / (sigmaSpace * sigmaSpace);
  const radius = Math.max(o.d <= 0 ? roundHalfEven(sigmaSpace * 1.5) : Math.floor(o.d / 2), 1);

  // the value range over the finite pixels (NaN and ±Inf are not values to scale the table by)
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < src.length; i++) if (Number.isFinite(src[i])) { if (src[i] < min) min = src[i]; if (src[i] > max) max = src[i]; }
  if (!(max >= min) || Math.abs(min - max) < 1.1920929e-7) return src.slice();

  // range weights: exp(-(Δ)²/(2σc²)) tabulated at 4096 bins over [0, max - min]
  const bins = 1 << 12;
  let scaleIndex = Math.fround(bins / Math.fround(max - min));
  if (!Number.isFinite(scaleIndex)) scaleIndex = 0;   // max - min overflowed float32: every difference falls in bin 0
  const lut = new Float32Array(bins + 2);
  let last = 1;
  for (let i = 0; i < bins + 2; i++) {
    if (last > 0) { const v = i / scaleIndex; lut[i] = Math.exp(v * v * colorCoeff); last = lut[i]; } else lut[i] = 0;
  }

  // spatial weights over the disc, without the centre (its weight is 1)
  const dy: number[] = [], dx: number[] = [], sw: number[] = [];
  for (let i = -radius; i <= radius; i++) {
    for (let j = -radius; j <= radius; j++) {
      const r = Math.sqrt(i * i + j * j);
      if (r > radius || (i === 0 && j === 0)) continue;
      dy.push(i); dx.push(j); sw.push(Math.fround(Math.exp(r * r * spaceCoeff)));
    }
  }

  // the image with a reflect-101 border of `radius`, so the inner loop needs no bounds checks
  const pw = w + 2 * radius, ph = h + 2 * radius;
  const padded = new Float32Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const sy = reflect101(y - radius, h);
    for (let x = 0; x < pw; x++) padded[y * pw + x] = src[sy * w + reflect101(x - radius, w)];
  }
  const ofs = dy.map((i, k) => i * pw + dx[k]);
  const K = ofs.length;

  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = (y + radius) * pw + x + radius;
      const v0 = padded[c];
      let sum = 0, wsum = 0;
      for (let k = 0; k < K; k++) {
        const v = padded[c + ofs[k]];
        let alpha = Math.abs(v - v0) * scaleIndex;
        // NaN, ±Inf or a value past the table (non-finite pixels) take the last bin, as the native kernel does
        alpha = alpha < bins ? alpha : bins;
        const idx = Math.floor(alpha);
        alpha -= idx;
        const wt = sw[k] * (lut[idx] + alpha * (lut[idx + 1] - lut[idx]));
        sum += v * wt;
        wsum += wt;
      }
      out[y * w + x] = (sum + v0) / (wsum + 1);
    }
  }
  return out;
}
