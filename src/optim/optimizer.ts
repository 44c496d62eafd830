import type { Backend } from '../backend/backend.js';
import { fmt } from '../backend/shape.js';
import { zeros } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';

export type Params = readonly Tensor[] | readonly (readonly [string, Tensor])[];

/** Optimizer state as tensors keyed `name.slot` plus scalar hyper-parameters. */
export interface OptimizerState {
  tensors: Record<string, Tensor>;
  scalars: Record<string, number>;
}

/**
 * Base of every optimizer: holds the parameters (with names, for state dicts),
 * the learning rate, per-parameter state slots and the step count.
 * Subclasses implement `update(p, g, slot)`, one parameter at a time, and may
 * override `updateAll` to hand a backend all parameters in one fused call.
 */
export abstract class Optimizer {
  readonly params: Tensor[];
  readonly names: string[];
  lr: number;
  stepCount = 0;
  private readonly state = new Map<string, Tensor>();

  constructor(params: Params, lr: number) {
    if (!(lr >= 0)) throw new RangeError(`${this.constructor.name}: learning rate ${lr} must be ≥ 0`);
    const named = params.map((p, i) => (p instanceof Tensor ? ([String(i), p] as const) : p));
    this.names = named.map(([n]) => n);
    this.params = named.map(([, t]) => t);
    this.lr = lr;
  }

  /** Per-parameter state tensor (zeros on first use), e.g. Adam's `exp_avg`. */
  protected slot(i: number, name: string): Tensor {
    const key = `${this.names[i]}.${name}`;
    let t = this.state.get(key);
    if (!t) { t = zeros(this.params[i].shape, { backend: this.params[i].backend }); this.state.set(key, t); }
    return t;
  }
  protected hasSlot(i: number, name: string): boolean { return this.state.has(`${this.names[i]}.${name}`); }

  protected abstract update(p: Tensor, g: Tensor, i: number): void;

  /** One update of every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    this.updateAll(this.params.flatMap((p, i) => (p.grad ? [i] : [])));
  }

  /** Updates the parameters at these indices (all have gradients): one at a time unless a subclass fuses them. */
  protected updateAll(indices: number[]): void {
    for (const i of indices) this.update(this.params[i], this.params[i].grad!, i);
  }

  /** The backend shared by the parameters at these indices, if it has the fused step `op`; else null. */
  protected fusedBackend(indices: number[], op: 'sgdSteps' | 'adamSteps'): Backend | null {
    const B = indices.length ? this.params[indices[0]].backend : null;
    return B?.[op] && indices.every((i) => this.params[i].backend === B) ? B : null;
  }

  zeroGrad(): void { for (const p of this.params) p.grad = null; }

  protected hyper(): Record<string, number> { return {}; }

  stateDict(): OptimizerState {
    return { tensors: Object.fromEntries(this.state), scalars: { lr: this.lr, step: this.stepCount, ...this.hyper() } };
  }

  loadStateDict(s: OptimizerState): void {
    for (const [k, t] of Object.entries(s.tensors)) {
      const name = k.slice(0, k.lastIndexOf('.'));
      const i = this.names.indexOf(name);
      if (i < 0) throw new Error(`${this.constructor.name}.loadStateDict: state '${k}' names no parameter of this optimizer`);
      if (t.size !== this.params[i].size) throw new Error(`${this.constructor.name}.loadStateDict: state '${k}' has shape ${fmt(t.shape)}, parameter has ${fmt(this.params[i].shape)}`);
      this.state.set(k, new Tensor(this.params[i].backend.fromArray(t.toArray()), this.params[i].shape, this.params[i].backend));
    }
    this.lr = s.scalars.lr ?? this.lr;
    this.stepCount = s.scalars.step ?? this.stepCount;
  }
}
