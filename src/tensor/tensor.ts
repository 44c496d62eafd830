import { ReleasedStorage, type Backend, type Shape, type Storage } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import { fmt, numel, ShapeError } from '../backend/shape.js';
import { noGrad } from './grad_mode.js';

/** How a tensor was made: the op's name, its inputs, and the closure that sends a gradient back to them. */
export interface GradFn {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Given dLoss/dOutput, return dLoss/dInput for each input (null where none is needed). */
  readonly backward: (grad: Tensor) => (Tensor | null)[];
}

/**
 * An n-dimensional float32 array whose memory is owned by a backend.
 * Feature maps are [N, H, W, C]. Values are read back with an explicit copy: `toArray()`.
 */
export class Tensor {
  /** The backend storage; replaced (never mutated by ops) when a buffer is updated. */
  storage: Storage;
  readonly shape: readonly number[];
  readonly backend: Backend;
  /** Whether gradients flow to this tensor. */
  requiresGrad = false;
  /** The accumulated gradient of a leaf tensor after `backward()`. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it is part of a recorded graph. */
  gradFn: GradFn | null = null;
  /** An optional name used in error messages (parameters get their dotted name). */
  name?: string;

  constructor(storage: Storage, shape: Shape, backend: Backend = getBackend()) {
    if (storage.size !== numel(shape)) {
      throw new ShapeError(`tensor: storage of ${storage.size} values does not fit shape ${fmt(shape)}`);
    }
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.backend = backend;
  }

  get size(): number { return this.storage.size; }
  get rank(): number { return this.shape.length; }
  get dtype(): 'float32' { return 'float32'; }

  /** A copy of the values, in row-major order. */
  toArray(): Float32Array { return this.backend.toArray(this.storage); }

  /** The values as nested JS arrays. */
  toNested(): unknown {
    const flat = this.toArray();
    const build = (d: number, off: number): unknown => {
      if (d === this.shape.length) return flat[off];
      const step = numel(this.shape.slice(d + 1));
      return Array.from({ length: this.shape[d] }, (_, i) => build(d + 1, off + i * step));
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor of shape ${fmt(this.shape)} has ${this.size} values, not 1`);
    return this.toArray()[0];
  }

  /** Mark (or unmark) this tensor as one whose gradient is wanted; returns this. */
  requiresGrad_(flag = true): this { this.requiresGrad = flag; return this; }

  /** The same values, cut from the graph: no gradient flows through it. */
  detach(): Tensor { return new Tensor(this.storage, this.shape, this.backend); }

  zeroGrad(): void { this.grad = null; }

  /** A short description, e.g. `Tensor[2, 3] float32 (reference)`. */
  toString(): string { return `Tensor${fmt(this.shape)} float32 (${this.backend.name})${this.name ? ` '${this.name}'` : ''}`; }

  /**
   * Backpropagation: visit the graph that made this tensor in reverse
   * topological order; each op's closure turns the gradient of its output
   * into gradients of its inputs, which add up where a tensor was used twice.
   * Leaf tensors with `requiresGrad` accumulate into `.grad`.
   *
   * Gradients that die during the pass go back to the backend for reuse.
   * With `releaseGraph`, so do the graph's intermediate values afterwards (a
   * training loop's activations, the bulk of its memory traffic): only leaves,
   * this tensor, the seed and `.grad`s stay readable, and reading a released
   * value throws. PyTorch frees the saved values the same way (retain_graph=False),
   * but there a tensor you still hold stays valid; here, read it first.
   * @example const loss = x.mul(x).sum(); loss.backward(); x.grad // 2x
   */
  backward(grad?: Tensor, o: { releaseGraph?: boolean } = {}): void {
    if (!this.requiresGrad) throw new Error(`backward: ${this} does not require grad (no input of its graph has requiresGrad)`);
    if (!grad && this.size !== 1) throw new ShapeError(`backward: ${this} is not a scalar; pass the gradient of the output`);
    const seed = grad ?? new Tensor(this.backend.fromArray([1]), this.shape, this.backend);
    const order: Tensor[] = [];
    const seen = new Set<Tensor>();
    const visit = (t: Tensor): void => {          // iterative DFS: deep graphs must not overflow the stack
      const stack: [Tensor, number][] = [[t, 0]];
      seen.add(t);
      while (stack.length) {
        const top = stack[stack.length - 1];
        const inputs = top[0].gradFn?.inputs ?? [];
        if (top[1] < inputs.length) {
          const next = inputs[top[1]++];
          if (next.requiresGrad && !seen.has(next)) { seen.add(next); stack.push([next, 0]); }
        } else { order.push(top[0]); stack.pop(); }
      }
    };
    visit(this);
    const grads = new Map<Tensor, Tensor>([[this, seed]]);
    const recycle = this.backend.release ? gradientRecycler(this.backend, order, seed) : null;
    noGrad(() => {
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i];
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t);                           // free intermediate gradients as we go
        if (!t.gradFn) {
          if (t.grad) t.grad = t.grad.add(g);
          else { t.grad = g; recycle?.keep(g); }
          recycle?.drop(g);
          continue;
        }
        const inputGrads = t.gradFn.backward(g);
        const live = t.gradFn.inputs.map((inp, k) => (inp.requiresGrad ? inputGrads[k] : null));
        for (const gi of live) if (gi) recycle?.hold(gi);
        recycle?.drop(g);                          // consumed, unless an input's gradient shares its memory
        t.gradFn.inputs.forEach((inp, k) => {
          const gi = live[k];
          if (!gi) return;
          const prev = grads.get(inp);
          if (!prev) { grads.set(inp, gi); return; }
          const sum = prev.add(gi);
          recycle?.hold(sum);
          grads.set(inp, sum);
          recycle?.drop(prev);
          recycle?.drop(gi);
        });
      }
    });
    if (o.releaseGraph && this.backend.release) releaseGraph(this.backend, order, this, seed);
  }
}

/** The memory block behind a tensor (views of one block share it), or its storage where the backend does not say. */
const memoryKey = (backend: Backend) => (t: Tensor): object => backend.memoryOf?.(t.storage) ?? t.storage;

/** Hand the memory of a graph's intermediate values back to the backend; their tensors become unreadable. */
function releaseGraph(backend: Backend, order: readonly Tensor[], root: Tensor, seed: Tensor): void {
  const mem = memoryKey(backend);
  const pinned = new Set<object>([mem(root), mem(seed)]);
  const inGraph = new Set<Tensor>(order);
  for (const t of order) {
    if (!t.gradFn) { pinned.add(mem(t)); if (t.grad) pinned.add(mem(t.grad)); }
    for (const inp of t.gradFn?.inputs ?? []) if (!inGraph.has(inp)) pinned.add(mem(inp));
  }
  const done = new Set<object>();
  for (const t of order) {
    if (!t.gradFn || t === root) continue;
    const m = mem(t);
    if (pinned.has(m)) continue;
    if (!done.has(m)) { done.add(m); backend.release!(t.storage); }
    t.storage = new ReleasedStorage(t.size);
  }
}

/**
 * Reference counts of the gradients pending in one backward pass, by memory
 * block. A gradient whose block no pending gradient, leaf `.grad`, graph
 * tensor or caller's seed uses any more is dead: its memory goes back to the
 * backend for reuse. Forward values are never handed back (the caller may
 * still hold any of them); only memory that backward itself made is.
 */
function gradientRecycler(backend: Backend, order: readonly Tensor[], seed: Tensor) {
  const mem = memoryKey(backend);
  const pinned = new Set<object>([mem(seed)]);
  for (const t of order) {
    pinned.add(mem(t));
    for (const inp of t.gradFn?.inputs ?? []) pinned.add(mem(inp));
  }
  const uses = new Map<object, number>([[mem(seed), 1]]);
  return {
    hold(t: Tensor): void { const m = mem(t); uses.set(m, (uses.get(m) ?? 0) + 1); },
    keep(t: Tensor): void { pinned.add(mem(t)); },
    drop(t: Tensor): void {
      const m = mem(t);
      const n = (uses.get(m) ?? 1) - 1;
      if (n > 0) { uses.set(m, n); return; }
      uses.delete(m);
      if (!pinned.has(m)) backend.release!(t.storage);
    },
  };
}

// Tensor.add etc. are installed by autograd/methods.ts; declared here so backward() can use add.
export interface Tensor {
  add(other: Tensor | number): Tensor;
}
