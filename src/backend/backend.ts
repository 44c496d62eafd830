/**
 * The kernel interface. Every numeric operation of specnet goes through one
 * `Backend`; the layers above never touch raw memory. Two implementations:
 * `reference` (plain TypeScript, written to be read) and `native` (oneDNN).
 *
 * Conventions shared by every kernel:
 * - tensors are dense, row-major (C order) float32;
 * - feature maps are NHWC [N, H, W, C], convolution weights OHWI [O, kH, kW, I/groups];
 * - a kernel never mutates its inputs, except the optimizer steps, which update
 *   parameters and their state in place (that is their job);
 * - shapes are passed beside storages: a storage knows only its length.
 */

export type Shape = readonly number[];

/** Opaque handle to memory owned by a backend. Read it with `backend.toArray()`. */
export interface Storage {
  readonly size: number;
}

/**
 * What a tensor holds after `backward(…, { releaseGraph: true })` gave its
 * memory back to the backend: every backend refuses to read it, with this message.
 */
export class ReleasedStorage implements Storage {
  constructor(readonly size: number) {}
  static readonly message = 'this tensor was an intermediate value of a graph released by backward({ releaseGraph: true }); its memory has been reused. Read what you need before backward, or omit releaseGraph';
}

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign'
  | 'pow'        // x^a
  | 'clamp'      // min(max(x, a), b)
  | 'relu' | 'leaky_relu' /* slope a */ | 'elu' /* alpha a */
  | 'sigmoid' | 'tanh' | 'silu';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'gt' | 'lt' | 'ge' | 'le';   // comparisons give 1 or 0

export type ReduceOp = 'sum' | 'max' | 'min';

export interface Conv2dParams {
  stride: [number, number];
  /** Zero padding [top, bottom, left, right]. */
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

export interface Pool2dParams {
  kernel: [number, number];
  stride: [number, number];
  /** Implicit padding [top, left] (symmetric). */
  padding: [number, number];
  /** Average pooling only: count padded cells in the divisor (PyTorch's default). */
  countIncludePad?: boolean;
}

export interface SgdOptions { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number; firstStep: boolean }
export interface AdamOptions { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; step: number }
export interface RmspropOptions { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean }
export interface AdagradOptions { lr: number; eps: number; weightDecay: number; lrDecay: number; step: number }

/** One axis of a separable resize: output index o is Σ wt[k]·input[idx[k]] over k in [start[o], start[o + 1]). */
export interface ResizeTaps { start: Int32Array; idx: Int32Array; wt: Float32Array }

export interface Backend {
  readonly name: string;

  // ---- memory ----
  zeros(size: number): Storage;
  fromArray(data: ArrayLike<number>): Storage;
  /** A copy of the values, as a new Float32Array. */
  toArray(x: Storage): Float32Array;
  /**
   * Optional recycling, used by `Tensor.backward()`: the memory block behind a
   * storage (views of one block share it), and a hand-back of a storage whose
   * values nobody will read again, so that a later output of the same size can
   * reuse its memory (warm in cache, no page faults) instead of fresh memory.
   */
  memoryOf?(x: Storage): object;
  release?(x: Storage): void;
  /** Drop what `release` has kept for reuse, so that the system can take the memory back (e.g. after training). */
  trim?(): void;

  // ---- element-wise ----
  unary(op: UnaryOp, x: Storage, a?: number, b?: number): Storage;
  /** Gradient of `unary(op)` given input x, output y and upstream gradient gy. */
  unaryBackward(op: UnaryOp, x: Storage, y: Storage, gy: Storage, a?: number, b?: number): Storage;
  /** a ∘ b with NumPy broadcasting; the output has shape broadcast(aShape, bShape). */
  binary(op: BinaryOp, a: Storage, aShape: Shape, b: Storage, bShape: Shape): Storage;
  /** cond ? a : b, all three broadcast to outShape. */
  where(cond: Storage, cShape: Shape, a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape): Storage;
  /** Broadcast x to outShape (a copy). */
  expand(x: Storage, xShape: Shape, outShape: Shape): Storage;

  // ---- reductions (the output keeps reduced axes with size 1) ----
  reduce(op: ReduceOp, x: Storage, shape: Shape, axes: readonly number[]): Storage;
  /** Index (as a float) of the largest or smallest value along one axis. */
  argReduce(op: 'argmax' | 'argmin', x: Storage, shape: Shape, axis: number): Storage;

  // ---- movement ----
  permute(x: Storage, shape: Shape, perm: readonly number[]): Storage;
  slice(x: Storage, shape: Shape, starts: readonly number[], sizes: readonly number[]): Storage;
  pad(x: Storage, shape: Shape, before: readonly number[], after: readonly number[], value: number): Storage;
  concat(xs: readonly Storage[], shapes: readonly Shape[], axis: number): Storage;
  /** torch.gather: out[..i..] = x[..index[..i..] on axis..]; index has x's rank. */
  gather(x: Storage, shape: Shape, axis: number, index: Int32Array, indexShape: Shape): Storage;
  /** Adjoint of gather: zeros of `shape`, then out[..index..] += src. */
  scatterAdd(src: Storage, indexShape: Shape, axis: number, index: Int32Array, shape: Shape): Storage;

  // ---- linear algebra ----
  /**
   * Batched matrix product. a is [batchA, m, k] (or [batchA, k, m] if transA),
   * b is [batchB, k, n] (or [batchB, n, k] if transB); batchA and batchB are
   * equal or one of them is 1 (broadcast). Output [max(batchA,batchB), m, n].
   */
  matmul(a: Storage, b: Storage, batchA: number, batchB: number, m: number, k: number, n: number, transA: boolean, transB: boolean): Storage;

  // ---- convolution, NHWC x OHWI ----
  conv2d(x: Storage, xShape: Shape, w: Storage, wShape: Shape, bias: Storage | null, p: Conv2dParams): Storage;
  conv2dBackwardData(gy: Storage, w: Storage, xShape: Shape, wShape: Shape, p: Conv2dParams): Storage;
  conv2dBackwardWeights(gy: Storage, x: Storage, xShape: Shape, wShape: Shape, p: Conv2dParams, withBias: boolean): { gw: Storage; gb: Storage | null };

  // ---- pooling, NHWC ----
  maxPool2d(x: Storage, xShape: Shape, p: Pool2dParams): { y: Storage; workspace: unknown };
  maxPool2dBackward(gy: Storage, workspace: unknown, xShape: Shape, p: Pool2dParams): Storage;
  avgPool2d(x: Storage, xShape: Shape, p: Pool2dParams): Storage;
  avgPool2dBackward(gy: Storage, xShape: Shape, p: Pool2dParams): Storage;
  adaptiveAvgPool2d(x: Storage, xShape: Shape, outH: number, outW: number): Storage;
  adaptiveAvgPool2dBackward(gy: Storage, xShape: Shape, outH: number, outW: number): Storage;

  // ---- batch normalisation, x seen as [rows, C] (channels last) ----
  /**
   * Training: normalise with the batch statistics and return them (mean, biased variance).
   * Inference: normalise with the given running mean and variance (returned as they are).
   * relu: y = max(BN(x), 0) in the same pass; a backend may return a workspace (the ReLU mask) for the backward.
   */
  batchNorm(x: Storage, rows: number, C: number, gamma: Storage, beta: Storage, eps: number,
    running: { mean: Storage; var: Storage } | null, relu?: boolean): { y: Storage; mean: Storage; var: Storage; workspace?: unknown };
  /**
   * Gradients given the statistics that forward used; `training` says whether they depended on x.
   * relu: the forward had relu; its output y (and workspace, if any) give the mask.
   */
  batchNormBackward(gy: Storage, x: Storage, rows: number, C: number, gamma: Storage, mean: Storage, variance: Storage,
    eps: number, training: boolean, relu?: { y: Storage; workspace?: unknown }): { gx: Storage; gGamma: Storage; gBeta: Storage };

  // ---- softmax over the last axis of [rows, cols] ----
  softmax(x: Storage, rows: number, cols: number, log: boolean): Storage;
  softmaxBackward(gy: Storage, y: Storage, rows: number, cols: number, log: boolean): Storage;

  // ---- image kernels (optional: vision/ falls back to its TypeScript version) ----
  /** OpenCV-style bilateral filter of a [h, w] float image (src/vision/bilateral.ts has the formula). */
  bilateralFilter?(src: Float32Array, h: number, w: number, d: number, sigmaColor: number, sigmaSpace: number): Float32Array;
  /** Separable resize of a [h, w] float image: rows with tx, then columns with ty (null: that axis keeps its size); src/vision/resize.ts builds the taps. */
  resizeImage?(src: Float32Array, h: number, w: number, outH: number, outW: number, tx: ResizeTaps | null, ty: ResizeTaps | null): Float32Array;
  /** Optional audio kernel: |FFT(window · frame)|^power of each frame of the signal reflect-padded by `pad` on both sides → [frames, nFft/2+1]. */
  stftFrames?(signal: Float32Array, pad: number, nFft: number, hop: number, frames: number, window: Float32Array, power: 1 | 2): Float32Array;
  /**
   * Optional audio kernel: the mel filterbank [bins, nMels] applied over each filter's support
   * ([lo, hi) pairs, see filterbankSupport) → [nMels, frames]; with db, then 10·log10 and a top_db floor (null: none).
   */
  melFilter?(spec: Float32Array, frames: number, bins: number, fb: Float32Array, nMels: number, support: Int32Array, db: boolean, topDb: number | null): Float32Array;

  // ---- optimizer steps, in place ----
  sgdStep(p: Storage, g: Storage, momentumBuf: Storage | null, o: SgdOptions): void;
  adamStep(p: Storage, g: Storage, m: Storage, v: Storage, o: AdamOptions): void;
  /** Optional: sgdStep over many parameters in one call (firstStep[i] per parameter, o.firstStep unused). */
  sgdSteps?(p: Storage[], g: Storage[], momentumBufs: (Storage | null)[], firstStep: boolean[], o: SgdOptions): void;
  /** Optional: adamStep over many parameters in one call. */
  adamSteps?(p: Storage[], g: Storage[], m: Storage[], v: Storage[], o: AdamOptions): void;
  rmspropStep(p: Storage, g: Storage, sq: Storage, buf: Storage | null, gAvg: Storage | null, o: RmspropOptions): void;
  adagradStep(p: Storage, g: Storage, sum: Storage, o: AdagradOptions): void;
}
