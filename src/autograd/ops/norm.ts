import { fmt, ShapeError } from '../../backend/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../record.js';

export interface BatchNormResult {
  y: Tensor;
  /** Batch mean and biased variance (training only), for the running statistics. */
  batchMean?: Tensor;
  batchVar?: Tensor;
}

/**
 * Batch normalisation over every axis but the last (channels last):
 *   y = γ (x - μ) / √(σ² + ε) + β.
 * training: μ, σ² are the batch's (biased σ²); else the running ones are used.
 * Backward (training): gx = γ/(M·√(σ²+ε)) · (M·g - Σg - x̂·Σ(g·x̂)).
 * relu: y = max(BN(x), 0) as one kernel (one pass over memory instead of two, each way).
 */
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, o: { training: boolean; eps?: number; runningMean?: Tensor; runningVar?: Tensor; relu?: boolean }): BatchNormResult {
  const C = x.shape[x.rank - 1];
  if (x.rank < 2 || gamma.shape[0] !== C || beta.shape[0] !== C) {
    throw new ShapeError(`batchNorm: input ${fmt(x.shape)} has ${C} channels (last axis) but γ/β have ${gamma.shape[0]}/${beta.shape[0]}`);
  }
  const rows = x.size / C;
  if (o.training && rows < 2) throw new ShapeError(`batchNorm: training needs more than one value per channel, got input ${fmt(x.shape)}`);
  const eps = o.eps ?? 1e-5;
  const B = x.backend;
  const running = o.training ? null : { mean: o.runningMean!.storage, var: o.runningVar!.storage };
  const relu = o.relu ?? false;
  const r = B.batchNorm(x.storage, rows, C, gamma.storage, beta.storage, eps, running, relu);
  const y = record(relu ? 'batchNormRelu' : 'batchNorm', r.y, x.shape, [x, gamma, beta], (g) => {
    const b = B.batchNormBackward(g.storage, x.storage, rows, C, gamma.storage, r.mean, r.var, eps, o.training, relu ? { y: r.y, workspace: r.workspace } : undefined);
    return [new Tensor(b.gx, x.shape, B), new Tensor(b.gGamma, [C], B), new Tensor(b.gBeta, [C], B)];
  });
  if (!o.training) return { y };
  return { y, batchMean: new Tensor(r.mean, [C], B), batchVar: new Tensor(r.var, [C], B) };
}
