import { fmt, ShapeError } from '../backend/shape.js';
import { abs, add, exp, gather, log, logSoftmax, mean, mul, neg, relu, sub, sum } from '../autograd/ops/index.js';
import { Tensor } from '../tensor/tensor.js';

export type Reduction = 'mean' | 'sum' | 'none';
/** Class indices: a plain array, an Int32Array, or a float tensor holding integers. */
export type Targets = ArrayLike<number> | Tensor;

function labelsOf(target: Targets, n: number, C: number, op: string): Int32Array {
  const arr = target instanceof Tensor ? target.toArray() : target;
  if (arr.length !== n) throw new ShapeError(`${op}: ${arr.length} targets for a batch of ${n}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = arr[i];
    if (!Number.isInteger(c) || c < 0 || c >= C) throw new RangeError(`${op}: target ${c} at index ${i} is not a class in [0, ${C})`);
    out[i] = c;
  }
  return out;
}

function reduce(x: Tensor, r: Reduction): Tensor {
  return r === 'none' ? x : r === 'sum' ? sum(x) : mean(x);
}

export interface NllOptions { weight?: Tensor; reduction?: Reduction }

/**
 * Negative log-likelihood of the target class: ℓᵢ = -w[yᵢ]·logp[i, yᵢ];
 * 'mean' divides by Σᵢ w[yᵢ] (PyTorch's convention with class weights).
 */
export function nllLoss(logp: Tensor, target: Targets, o: NllOptions = {}): Tensor {
  if (logp.rank !== 2) throw new ShapeError(`nllLoss: input ${fmt(logp.shape)} should be [N, C] log-probabilities`);
  const [N, C] = logp.shape;
  const y = labelsOf(target, N, C, 'nllLoss');
  const picked = gather(logp, 1, y, [N, 1]).reshape([N]);
  if (!o.weight) return reduce(neg(picked), o.reduction ?? 'mean');
  const w = gather(o.weight.reshape([1, C]).expand([N, C]), 1, y, [N, 1]).reshape([N]).detach();
  const l = neg(mul(picked, w));
  return (o.reduction ?? 'mean') === 'mean' ? mul(sum(l), 1 / sum(w).item()) : reduce(l, o.reduction ?? 'mean');
}

export interface CrossEntropyOptions extends NllOptions {
  /** ε: the target becomes (1-ε)·one-hot + ε/C (Szegedy et al. 2016). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy from logits [N, C] and class indices [N], as PyTorch defines it:
 *   (1-ε)·NLL(log_softmax(z), y) + ε/C · Σ_c -w_c·log_softmax(z)_c  (averaged the same way).
 * log_softmax is computed stably (z - max - log Σ e^(z - max)).
 */
export function crossEntropy(logits: Tensor, target: Targets, o: CrossEntropyOptions = {}): Tensor {
  if (logits.rank !== 2) throw new ShapeError(`crossEntropy: logits ${fmt(logits.shape)} should be [N, C]`);
  return crossEntropyOfLogProbs(logSoftmax(logits, 1), target, o);
}

/**
 * {@link crossEntropy} from log-probabilities (log_softmax of the logits) already computed:
 * several targets of one batch (mixup's two labels) share one log_softmax.
 */
export function crossEntropyOfLogProbs(logp: Tensor, target: Targets, o: CrossEntropyOptions = {}): Tensor {
  const nll = nllLoss(logp, target, o);
  const eps = o.labelSmoothing ?? 0;
  if (eps === 0) return nll;
  if (eps < 0 || eps > 1) throw new RangeError(`crossEntropy: labelSmoothing ${eps} must be in [0, 1]`);
  const [N, C] = logp.shape;
  const weighted = o.weight ? mul(logp, o.weight.reshape([1, C])) : logp;
  let smooth = neg(sum(weighted, 1));                        // [N]
  const r = o.reduction ?? 'mean';
  if (r === 'mean' && o.weight) {
    const y = labelsOf(target, N, C, 'crossEntropy');
    const w = o.weight.toArray();
    let wsum = 0;
    for (let i = 0; i < N; i++) wsum += w[y[i]];
    smooth = mul(sum(smooth), 1 / wsum);
  } else smooth = reduce(smooth, r);
  return add(mul(nll, 1 - eps), mul(smooth, eps / C));
}

/** Mean squared error: mean((x - y)²). */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  if (input.size !== target.size) throw new ShapeError(`mseLoss: input ${fmt(input.shape)} and target ${fmt(target.shape)} differ in size`);
  const d = sub(input, target.reshape(input.shape));
  return reduce(mul(d, d), reduction);
}

/**
 * Binary cross-entropy on logits, in the stable form
 *   ℓ = max(z, 0) - z·y + log(1 + e^(-|z|)).
 */
export function bceWithLogits(logits: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  if (logits.size !== target.size) throw new ShapeError(`bceWithLogits: logits ${fmt(logits.shape)} and target ${fmt(target.shape)} differ in size`);
  const y = target.reshape(logits.shape);
  const l = add(sub(relu(logits), mul(logits, y)), log(add(exp(neg(abs(logits))), 1)));
  return reduce(l, reduction);
}

/** L1 penalty λ·Σ|w| over the given tensors (add it to the loss). */
export function l1Penalty(params: readonly Tensor[], lambda: number): Tensor {
  return mul(params.map((p) => sum(abs(p))).reduce((a, b) => add(a, b)), lambda);
}

/** L2 penalty λ·Σw² over the given tensors (weight decay, when added to the loss, is its gradient 2λw). */
export function l2Penalty(params: readonly Tensor[], lambda: number): Tensor {
  return mul(params.map((p) => sum(mul(p, p))).reduce((a, b) => add(a, b)), lambda);
}

// Loss modules, PyTorch style.
export class CrossEntropyLoss {
  constructor(readonly options: CrossEntropyOptions = {}) {}
  forward(logits: Tensor, target: Targets): Tensor { return crossEntropy(logits, target, this.options); }
}
export class MSELoss {
  constructor(readonly reduction: Reduction = 'mean') {}
  forward(input: Tensor, target: Tensor): Tensor { return mseLoss(input, target, this.reduction); }
}
