import { fmt, ShapeError } from '../../backend/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../record.js';
import { sumTo } from './reduce.js';
import { reshape } from './shape.js';

/**
 * Matrix product of the last two axes, batched over the leading ones:
 * [..., m, k] @ [..., k, n] → [..., m, n]. A 2-D operand is shared by every batch.
 * Backward: gA = g·Bᵀ, gB = Aᵀ·g (summed over batches where B was shared).
 * `transA`/`transB` read an operand transposed without copying it.
 */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  if (a.rank < 2 || b.rank < 2) throw new ShapeError(`matmul: both operands need rank ≥ 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  const batchA = a.size / (ar * ac), batchB = b.size / (br * bc);
  const lead = a.rank >= b.rank ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  if (k !== k2 || (batchA !== batchB && batchA !== 1 && batchB !== 1) || (a.rank > 2 && b.rank > 2 && a.rank !== b.rank)) {
    throw new ShapeError(`matmul: shapes ${fmt(a.shape)}${transA ? 'ᵀ' : ''} and ${fmt(b.shape)}${transB ? 'ᵀ' : ''} do not match (inner ${k} vs ${k2})`);
  }
  const B = a.backend;
  const outShape = [...lead, m, n];
  return record('matmul', B.matmul(a.storage, b.storage, batchA, batchB, m, k, n, transA, transB), outShape, [a, b], (g) => {
    const batch = Math.max(batchA, batchB);
    const g3 = reshape(g, [batch, m, n]);
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (a.requiresGrad) {
      // dA = g · Bᵀ  (or (g · Bᵀ)ᵀ = B · gᵀ when A was read transposed)
      const s = transA ? B.matmul(b.storage, g3.storage, batchB, batch, k, n, m, transB, true)
        : B.matmul(g3.storage, b.storage, batch, batchB, m, n, k, false, !transB);
      ga = sumTo(new Tensor(s, [batch, ...(transA ? [k, m] : [m, k])], B), [batchA, ar, ac]);
      ga = reshape(ga, a.shape);
    }
    if (b.requiresGrad) {
      // dB = Aᵀ · g  (or gᵀ · A when B was read transposed)
      const s = transB ? B.matmul(g3.storage, a.storage, batch, batchA, n, m, k, true, transA)
        : B.matmul(a.storage, g3.storage, batchA, batch, k, m, n, !transA, false);
      gb = sumTo(new Tensor(s, [batch, ...(transB ? [n, k] : [k, n])], B), [batchB, br, bc]);
      gb = reshape(gb, b.shape);
    }
    return [ga, gb];
  });
}
