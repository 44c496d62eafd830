import type { AdagradOptions, AdamOptions, RmspropOptions, SgdOptions, Storage } from '../backend.js';
import { raw } from './storage.js';

/**
 * SGD, as PyTorch writes it: g ← g + λp;  b ← μb + (1-τ)g (b ← g on the first step);
 * g ← g + μb if Nesterov else b;  p ← p - η g.
 */
export function sgdStep(ps: Storage, gs: Storage, bufs: Storage | null, o: SgdOptions): void {
  const p = raw(ps), g = raw(gs), buf = bufs ? raw(bufs) : null;
  for (let i = 0; i < p.length; i++) {
    let d = g[i] + o.weightDecay * p[i];
    if (buf) {
      buf[i] = o.firstStep ? d : o.momentum * buf[i] + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * buf[i] : buf[i];
    }
    p[i] -= o.lr * d;
  }
}

/**
 * Adam (Kingma & Ba): m ← β1 m + (1-β1) g;  v ← β2 v + (1-β2) g²;
 * p ← p - η · (m / (1-β1ᵗ)) / (√(v / (1-β2ᵗ)) + ε).
 * Weight decay: added to g (Adam, L2) or applied to p directly (AdamW: p ← p(1 - ηλ)).
 */
export function adamStep(ps: Storage, gs: Storage, ms: Storage, vs: Storage, o: AdamOptions): void {
  const p = raw(ps), g = raw(gs), m = raw(ms), v = raw(vs);
  const bc1 = 1 - Math.pow(o.beta1, o.step), bc2 = 1 - Math.pow(o.beta2, o.step);
  const stepSize = o.lr / bc1, sqrtBc2 = Math.sqrt(bc2);
  for (let i = 0; i < p.length; i++) {
    let gi = g[i];
    if (o.decoupled) p[i] *= 1 - o.lr * o.weightDecay;
    else gi += o.weightDecay * p[i];
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
    p[i] -= stepSize * m[i] / (Math.sqrt(v[i]) / sqrtBc2 + o.eps);
  }
}

/**
 * RMSprop (Hinton): s ← α s + (1-α) g²;  centered: ḡ ← α ḡ + (1-α) g, s̃ = s - ḡ²;
 * p ← p - η g / (√s̃ + ε)  (with momentum: b ← μ b + g/(√s̃+ε), p ← p - η b).
 */
export function rmspropStep(ps: Storage, gs: Storage, sqs: Storage, bufs: Storage | null, gAvgs: Storage | null, o: RmspropOptions): void {
  const p = raw(ps), g = raw(gs), sq = raw(sqs), buf = bufs ? raw(bufs) : null, gAvg = gAvgs ? raw(gAvgs) : null;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + o.weightDecay * p[i];
    sq[i] = o.alpha * sq[i] + (1 - o.alpha) * gi * gi;
    let avg = sq[i];
    if (gAvg) { gAvg[i] = o.alpha * gAvg[i] + (1 - o.alpha) * gi; avg -= gAvg[i] * gAvg[i]; }
    const denom = Math.sqrt(avg) + o.eps;
    if (buf) { buf[i] = o.momentum * buf[i] + gi / denom; p[i] -= o.lr * buf[i]; }
    else p[i] -= o.lr * gi / denom;
  }
}

/** Adagrad (Duchi et al.): s ← s + g²;  p ← p - η_t g / (√s + ε),  η_t = η / (1 + (t-1)·decay). */
export function adagradStep(ps: Storage, gs: Storage, sums: Storage, o: AdagradOptions): void {
  const p = raw(ps), g = raw(gs), sum = raw(sums);
  const clr = o.lr / (1 + (o.step - 1) * o.lrDecay);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + o.weightDecay * p[i];
    sum[i] += gi * gi;
    p[i] -= clr * gi / (Math.sqrt(sum[i]) + o.eps);
  }
}
