import { noGrad } from '../tensor/grad_mode.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Scale all gradients together so that their global L2 norm is at most maxNorm
 * (Pascanu et al. 2013). Returns the norm before clipping.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  return noGrad(() => {
    const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    let sq = 0;
    for (const g of grads) sq += g.mul(g).sum().item();
    const norm = Math.sqrt(sq);
    const scale = maxNorm / (norm + 1e-6);
    if (scale < 1) for (const p of params) if (p.grad) p.grad = p.grad.mul(scale);
    return norm;
  });
}

/** Clamp every gradient value into [-clipValue, clipValue]. */
export function clipGradValue(params: readonly Tensor[], clipValue: number): void {
  noGrad(() => { for (const p of params) if (p.grad) p.grad = p.grad.clamp(-clipValue, clipValue); });
}
