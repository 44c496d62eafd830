import type { Conv2dParams } from '../../backend/backend.js';
import { convOutSize, fmt, ShapeError } from '../../backend/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkRank, record } from '../record.js';

export type Pair = number | readonly [number, number];
export type Padding = Pair | 'same' | 'valid' | readonly [number, number, number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Symmetric [ph, pw], explicit [top, bottom, left, right], or 'same' / 'valid'. */
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
}

export const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** Resolve the options to kernel parameters; 'same' pads so that H_out = H (stride 1), extra cell at the end like PyTorch. */
export function convParams(kernel: [number, number], o: Conv2dOptions): Conv2dParams {
  const stride = pair(o.stride ?? 1), dilation = pair(o.dilation ?? 1);
  const groups = o.groups ?? 1;
  let padding: [number, number, number, number];
  const p = o.padding ?? 0;
  if (p === 'valid') padding = [0, 0, 0, 0];
  else if (p === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new ShapeError("conv2d: padding 'same' needs stride 1");
    const th = dilation[0] * (kernel[0] - 1), tw = dilation[1] * (kernel[1] - 1);
    padding = [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  } else if (typeof p !== 'number' && p.length === 4) padding = [p[0], p[1], p[2], p[3]];
  else { const [ph, pw] = pair(p as Pair); padding = [ph, ph, pw, pw]; }
  return { stride, padding, dilation, groups };
}

/**
 * 2-D convolution (cross-correlation, as in every DL library), NHWC × OHWI:
 *   y[n, i, j, o] = b[o] + Σ_{u,v,c} x[n, i·s + u·d - p, j·s + v·d - p, g·C/G + c] · w[o, u, v, c]
 * Shapes: x [N, H, W, C], w [O, kH, kW, C/groups], b [O] → y [N, H_out, W_out, O] with
 *   H_out = floor((H + p_top + p_bottom - d·(kH - 1) - 1) / s + 1).
 * Backward: gx is the "transposed convolution" of g with w; gw correlates x with g; gb = Σ g.
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  checkRank(x, 4, 'conv2d', 'input [N, H, W, C]');
  checkRank(w, 4, 'conv2d', 'weight [O, kH, kW, C/groups]');
  const p = convParams([w.shape[1], w.shape[2]], o);
  const [N, H, W, C] = x.shape;
  const [O, kh, kw, Cg] = w.shape;
  if (C % p.groups !== 0 || O % p.groups !== 0 || Cg !== C / p.groups) {
    throw new ShapeError(`conv2d: input ${fmt(x.shape)} has ${C} channels but weight ${fmt(w.shape)} expects ${Cg}×${p.groups} groups = ${Cg * p.groups}`);
  }
  if (b && (b.rank !== 1 || b.shape[0] !== O)) throw new ShapeError(`conv2d: bias ${fmt(b.shape)} should be [${O}]`);
  const Ho = convOutSize(H, kh, p.stride[0], p.padding[0], p.padding[1], p.dilation[0]);
  const Wo = convOutSize(W, kw, p.stride[1], p.padding[2], p.padding[3], p.dilation[1]);
  if (Ho < 1 || Wo < 1) throw new ShapeError(`conv2d: input ${fmt(x.shape)} is smaller than the ${kh}×${kw} kernel (dilation ${p.dilation}, padding ${p.padding})`);
  const B = x.backend;
  const inputs = b ? [x, w, b] : [x, w];
  return record('conv2d', B.conv2d(x.storage, x.shape, w.storage, w.shape, b ? b.storage : null, p), [N, Ho, Wo, O], inputs, (g) => {
    const gx = x.requiresGrad ? new Tensor(B.conv2dBackwardData(g.storage, w.storage, x.shape, w.shape, p), x.shape, B) : null;
    let gw: Tensor | null = null, gb: Tensor | null = null;
    if (w.requiresGrad || b?.requiresGrad) {
      const r = B.conv2dBackwardWeights(g.storage, x.storage, x.shape, w.shape, p, b !== null);
      gw = new Tensor(r.gw, w.shape, B);
      gb = r.gb ? new Tensor(r.gb, [O], B) : null;
    }
    return b ? [gx, gw, gb] : [gx, gw];
  });
}
