import { Generator as Rng } from '../tensor/random.js';
import { tensor } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';

export interface BatchOptions {
  batchSize: number;
  shuffle?: boolean;
  /** Drop the last batch if it is smaller than batchSize. */
  dropLast?: boolean;
  /** Seed of the shuffle; epoch e uses seed + e, so any epoch can be replayed. */
  seed?: number;
}

/**
 * The index batches of one epoch over n examples.
 * @example for (const idx of batchIndices(60000, { batchSize: 64, shuffle: true, seed: 1 }, epoch)) { … }
 */
export function* batchIndices(n: number, o: BatchOptions, epoch = 0): Generator<Int32Array> {
  if (!(o.batchSize >= 1)) throw new RangeError(`batchIndices: batchSize ${o.batchSize} must be ≥ 1`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (o.shuffle) new Rng((o.seed ?? 0) + epoch * 7919).shuffle(order);
  for (let start = 0; start < n; start += o.batchSize) {
    const end = Math.min(start + o.batchSize, n);
    if (o.dropLast && end - start < o.batchSize) break;
    yield order.subarray(start, end);
  }
}

export interface Batch { x: Tensor; y: Int32Array; indices: Int32Array }

/**
 * Batches of examples stored as rows of one Float32Array (each `shape` wide), with integer labels.
 * @example const loader = new ArrayLoader(images, labels, [28, 28, 1], { batchSize: 64, shuffle: true });
 *          for (const { x, y } of loader.epoch(0)) { … }
 */
export class ArrayLoader {
  readonly count: number;
  readonly rowSize: number;
  constructor(readonly data: Float32Array, readonly labels: Int32Array, readonly shape: readonly number[], readonly options: BatchOptions) {
    this.rowSize = shape.reduce((a, b) => a * b, 1);
    this.count = labels.length;
    if (data.length !== this.count * this.rowSize) {
      throw new RangeError(`ArrayLoader: ${data.length} values for ${this.count} examples of shape [${shape.join(', ')}]`);
    }
  }
  /** Number of batches per epoch. */
  get length(): number {
    const b = this.options.batchSize;
    return this.options.dropLast ? Math.floor(this.count / b) : Math.ceil(this.count / b);
  }
  *epoch(e = 0): Generator<Batch> {
    for (const idx of batchIndices(this.count, this.options, e)) {
      const x = new Float32Array(idx.length * this.rowSize);
      const y = new Int32Array(idx.length);
      idx.forEach((k, i) => { x.set(this.data.subarray(k * this.rowSize, (k + 1) * this.rowSize), i * this.rowSize); y[i] = this.labels[k]; });
      yield { x: tensor(x, [idx.length, ...this.shape]), y, indices: idx };
    }
  }
}
