import { fmt } from '../backend/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../tensor/grad_mode.js';

export type StateDict = Record<string, Tensor>;

/** A state dict that does not fit the module: names the keys and shapes. */
export class StateDictError extends Error {
  constructor(message: string) { super(message); this.name = 'StateDictError'; }
}

/**
 * A tree of layers. Parameters (trained), buffers (saved, not trained, e.g.
 * BatchNorm's running statistics) and children are registered by name, so
 * every tensor has a stable dotted name like `features.0.weight`.
 * @example
 * class Net extends Module {
 *   fc = this.addModule('fc', new Linear(4, 2));
 *   forward(x: Tensor) { return this.fc.forward(x); }
 * }
 */
export abstract class Module {
  training = true;
  private readonly _params = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Register a trainable tensor; returns it with requiresGrad set. */
  protected addParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this._params.set(name, t);
    return t;
  }
  /** Register a saved, non-trainable tensor. */
  protected addBuffer(name: string, t: Tensor): Tensor {
    this._buffers.set(name, t);
    return t;
  }
  /** Register a child module. */
  addModule<M extends Module>(name: string, m: M): M {
    this._children.set(name, m);
    return m;
  }

  /** Children with their names, in registration order. */
  namedChildren(): [string, Module][] { return [...this._children]; }
  /** This module and every module below it, depth first. */
  modules(): Module[] { return [this, ...[...this._children.values()].flatMap((c) => c.modules())]; }

  /** All parameters of the tree with dotted names (depth-first, registration order). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this._params].map(([n, t]) => [prefix + n, t]);
    for (const [n, c] of this._children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }
  parameters(): Tensor[] { return this.namedParameters().map(([, t]) => t); }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this._buffers].map(([n, t]) => [prefix + n, t]);
    for (const [n, c] of this._children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Number of trainable values. */
  numParameters(): number { return this.parameters().reduce((s, p) => s + p.size, 0); }

  /** Every parameter and buffer by dotted name (the tensors themselves, not copies). */
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [n, t] of [...this.namedParameters(), ...this.namedBuffers()]) sd[n] = t;
    return sd;
  }

  /**
   * Copy values in from a state dict. With `strict` (default) every key must
   * match; any missing, unexpected or mis-shaped key is an error naming it,
   * and nothing is changed unless everything fits.
   */
  loadStateDict(sd: StateDict, strict = true): void {
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in sd));
    const unexpected = Object.keys(sd).filter((k) => !(k in own));
    const problems: string[] = [];
    if (strict && missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    for (const [k, t] of Object.entries(own)) {
      const s = sd[k];
      if (s && (s.shape.length !== t.shape.length || s.shape.some((d, i) => d !== t.shape[i]))) {
        problems.push(`key '${k}' has shape ${fmt(s.shape)}, expected ${fmt(t.shape)}`);
      }
    }
    if (problems.length) throw new StateDictError(`loadStateDict(${this.constructor.name}): ${problems.join('; ')}`);
    for (const [k, t] of Object.entries(own)) {
      const s = sd[k];
      if (s) t.storage = t.backend.fromArray(s.toArray());
    }
  }

  /** Training mode (dropout active, batch norm uses batch statistics) for the whole tree. */
  train(mode = true): this {
    this.training = mode;
    for (const c of this._children.values()) c.train(mode);
    return this;
  }
  /** Evaluation mode. */
  eval(): this { return this.train(false); }

  zeroGrad(): void { for (const p of this.parameters()) p.grad = null; }

  /** Run forward without recording the graph, in eval mode, restoring the mode after. */
  predict(x: Tensor): Tensor {
    const was = this.training;
    this.eval();
    try { return noGrad(() => this.forward(x)); } finally { this.train(was); }
  }

  /** A readable outline of the tree, like PyTorch's repr. */
  toString(indent = ''): string {
    const head = `${this.constructor.name}(${this.extraRepr()})`;
    if (this._children.size === 0) return head;
    const lines = [...this._children].map(([n, c]) => `${indent}  (${n}): ${c.toString(indent + '  ')}`);
    return `${this.constructor.name}(\n${lines.join('\n')}\n${indent})`;
  }
  protected extraRepr(): string { return ''; }
}

/** Layers applied in order; children are named '0', '1', … */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers.map((l, i) => this.addModule(String(i), l));
  }
  forward(x: Tensor): Tensor { return this.layers.reduce((h, l) => l.forward(h), x); }
}
