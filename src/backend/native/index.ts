import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Backend, Conv2dParams, Pool2dParams, Shape, UnaryOp } from '../backend.js';
import { referenceBackend } from '../reference/index.js';
import { raw, wrap } from '../reference/storage.js';
import { poolOutSize } from '../reference/pool.js';
import { broadcastShapes, convOutSize, numel } from '../shape.js';

/** The functions the C++ addon (native/src) exports. Outputs are passed in, preallocated. */
interface Addon {
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cacheStats(): { size: number; capacity: number; hits: number; misses: number };
  conv2dForward(x: Float32Array, xs: number[], w: Float32Array, ws: number[], b: Float32Array | null, p: number[], y: Float32Array): void;
  conv2dBackwardData(gy: Float32Array, w: Float32Array, xs: number[], ws: number[], p: number[], gx: Float32Array): void;
  conv2dBackwardWeights(gy: Float32Array, x: Float32Array, xs: number[], ws: number[], p: number[], gw: Float32Array, gb: Float32Array | null): void;
  relu(x: Float32Array, y: Float32Array, slope: number): void;
  reluBackward(x: Float32Array, gy: Float32Array, gx: Float32Array, slope: number): void;
  sumMiddle(x: Float32Array, A: number, R: number, B: number, out: Float32Array): void;
  bilateralFilter(src: Float32Array, h: number, w: number, d: number, sc: number, ss: number, out: Float32Array): void;
  resizeImage(src: Float32Array, h: number, w: number, outH: number, outW: number,
    xStart: Int32Array | null, xIdx: Int32Array | null, xWt: Float32Array | null, yStart: Int32Array | null, yIdx: Int32Array | null, yWt: Float32Array | null, out: Float32Array): void;
  melFilter(spec: Float32Array, frames: number, bins: number, fb: Float32Array, nMels: number, support: Int32Array, db: boolean, topDb: number, out: Float32Array): void;
  stftFrames(signal: Float32Array, pad: number, nFft: number, hop: number, frames: number, window: Float32Array, power: number, out: Float32Array): void;
  maxPool2dForward(x: Float32Array, xs: number[], p: number[], y: Float32Array, argmax: Int32Array): void;
  maxPool2dBackward(gy: Float32Array, argmax: Int32Array, gx: Float32Array, images: number): void;
  pool2dForward(kind: number, x: Float32Array, xs: number[], p: number[], y: Float32Array): ArrayBuffer | null;
  pool2dBackward(kind: number, gy: Float32Array, xs: number[], p: number[], ws: ArrayBuffer | null, gx: Float32Array): void;
  batchNormForward(x: Float32Array, rows: number, C: number, g: Float32Array, b: Float32Array, eps: number, training: boolean, mean: Float32Array, v: Float32Array, y: Float32Array, relu: boolean): ArrayBuffer | null;
  batchNormBackward(gy: Float32Array, x: Float32Array, rows: number, C: number, g: Float32Array, mean: Float32Array, v: Float32Array, eps: number, training: boolean, gx: Float32Array, gg: Float32Array, gb: Float32Array, workspace: ArrayBuffer | null): void;
  matmul(a: Float32Array, b: Float32Array, bA: number, bB: number, m: number, k: number, n: number, tA: boolean, tB: boolean, out: Float32Array): void;
  eltwiseForward(code: number, x: Float32Array, y: Float32Array, alpha: number): void;
  eltwiseBackward(code: number, x: Float32Array, gy: Float32Array, gx: Float32Array, alpha: number): void;
  reduce(code: number, x: Float32Array, shape: number[], outShape: number[], out: Float32Array): void;
  binary(op: number, a: Float32Array, as: number[], b: Float32Array, bs: number[], os: number[], out: Float32Array): void;
  softmax(x: Float32Array, rows: number, cols: number, log: boolean, y: Float32Array): void;
  softmaxBackward(gy: Float32Array, y: Float32Array, rows: number, cols: number, log: boolean, gx: Float32Array): void;
  sgdSteps(p: Float32Array[], g: Float32Array[], buf: (Float32Array | null)[], first: boolean[], lr: number, mu: number, damp: number, nesterov: boolean, wd: number): void;
  adamSteps(p: Float32Array[], g: Float32Array[], m: Float32Array[], v: Float32Array[], lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean, step: number): void;
  rmspropStep(p: Float32Array, g: Float32Array, sq: Float32Array, buf: Float32Array | null, gAvg: Float32Array | null, lr: number, alpha: number, eps: number, wd: number, mu: number): void;
  adagradStep(p: Float32Array, g: Float32Array, sum: Float32Array, lr: number, eps: number, wd: number, lrDecay: number, step: number): void;
}

/** The built addon; SPECNET_NATIVE_ADDON names another build (scripts/asan.sh's AddressSanitizer build). */
export const ADDON_PATH = process.env.SPECNET_NATIVE_ADDON || fileURLToPath(new URL('../../../../native/build/Release/specnet_native.node', import.meta.url));

/** Physical cores (hyper-threads share a core's vector units, so oneDNN gains nothing from them). */
export function physicalCores(): number {
  try {
    const pairs = new Set<string>();
    let phys = '0';
    for (const line of readFileSync('/proc/cpuinfo', 'utf8').split('\n')) {
      const [k, v] = line.split(':').map((s) => s?.trim());
      if (k === 'physical id') phys = v;
      if (k === 'core id') pairs.add(`${phys}:${v}`);
    }
    if (pairs.size > 0) return pairs.size;
  } catch { /* not Linux */ }
  return availableParallelism();
}

// eltwise codes of native/src/dnnl_ops.cc; other unary ops stay on the reference loops
// (relu and leaky_relu run on our own loop, see unary())
const ELTWISE: Partial<Record<UnaryOp, number>> = { elu: 1, sigmoid: 2, tanh: 3, silu: 4, exp: 5, log: 6, sqrt: 7, abs: 8 };
const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'gt', 'lt', 'ge', 'le'];
const REDUCE = { sum: 0, max: 1, min: 2 };

/**
 * smallOpLimit: element-wise ops and reductions on at most this many values stay on the reference
 * loops: a call into the addon costs about 2-3 µs however small the tensor (a scalar multiply: 3 µs
 * native, 0.1 µs in JavaScript), and the two break even near 600 values. A loss's scalar arithmetic
 * is all below it. The tests set it to 0, so that their small tensors exercise the native kernels.
 */
export const nativeSettings = { smallOpLimit: 512 };
const small = (n: number): boolean => n <= nativeSettings.smallOpLimit;
const convArgs = (p: Conv2dParams): number[] => [p.stride[0], p.stride[1], ...p.padding, p.dilation[0], p.dilation[1], p.groups];
const poolArgs = (p: Pool2dParams): number[] => [p.kernel[0], p.kernel[1], p.stride[0], p.stride[1], p.padding[0], p.padding[1]];
/**
 * An output array that the kernel will overwrite entirely: allocated without
 * zero-filling (Buffer.allocUnsafeSlow), since clearing a multi-megabyte array
 * costs about as much as a ReLU over it. Freed blocks are reused (addon.cc's mallopt).
 */
const out = (n: number): Float32Array => {
  const reused = pool.get(n)?.pop();
  if (reused) { pooledBytes -= n * 4; return reused; }
  return new Float32Array(Buffer.allocUnsafeSlow(n * 4).buffer, 0, n);
};
/**
 * Dead gradients and released graph values that `Tensor.backward()` handed
 * back (Backend.release), by length. The next output of that length reuses
 * one: its memory is still mapped and often in cache, where fresh memory costs
 * a cache miss per line (measured: the MLP's 128×784 weight gradient took
 * 159 µs in fresh memory, 94 µs in a reused one) and, above glibc's 32 MiB mmap
 * threshold, a page fault per 4 KiB and an munmap when collected.
 * Bounded, so that a burst of backward passes cannot pin memory forever. The
 * bound must hold a whole training step's activations for the pool to serve
 * the next step: the small ResNet at batch 64 hands back about 1 GiB, and with
 * a 256 MiB pool it took 26 fresh 32 MiB arrays per step. Backend.trim empties it.
 */
const pool = new Map<number, Float32Array[]>();
let pooledBytes = 0;
const POOL_MAX_BYTES = Math.min(2 ** 31, Math.max(2 ** 28, totalmem() / 8)), POOL_MAX_PER_SIZE = 64, POOL_MIN_LENGTH = 1024;
function recycle(a: Float32Array): void {
  const n = a.length;
  // only arrays that own their whole block: a view's block may hold other live values
  if (n < POOL_MIN_LENGTH || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) return;
  let list = pool.get(n);
  if (!list) pool.set(n, list = []);
  if (list.length >= POOL_MAX_PER_SIZE || pooledBytes + n * 4 > POOL_MAX_BYTES || list.includes(a)) return;
  list.push(a);
  pooledBytes += n * 4;
}
const zeroed = (n: number): Float32Array => new Float32Array(n);
const ONE = new Float32Array([1]);
const arr = (s: Shape): number[] => [...s];

let loaded: Backend | null = null;
let addonRef: Addon | null = null;

/** The addon, for tools (thread count, cache statistics). Null until the native backend loads. */
export function nativeAddon(): Addon | null { return addonRef; }

/**
 * The native backend: oneDNN for convolution, pooling, batch norm, matmul,
 * activations and reductions; our own vectorised C++ loops for broadcasting
 * binary ops, softmax and the optimizer steps; the reference TypeScript for the
 * rest (data movement). Storage is the same Float32Array as the reference's,
 * handed to C++ without a copy.
 */
export function loadNativeBackend(): Backend {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) throw new Error(`the native addon is not built (${ADDON_PATH} is missing)`);
  const A = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  addonRef = A;
  A.setNumThreads(Number(process.env.SPECNET_NUM_THREADS) || physicalCores());
  const R = referenceBackend;
  // the optimizers' fused steps: one call (one thread team) for all the parameters of a model
  const sgdSteps: NonNullable<Backend['sgdSteps']> = (p, g, bufs, first, o) =>
    A.sgdSteps(p.map(raw), g.map(raw), bufs.map((b) => (b ? raw(b) : null)), first, o.lr, o.momentum, o.dampening, o.nesterov, o.weightDecay);
  const adamSteps: NonNullable<Backend['adamSteps']> = (p, g, m, v, o) =>
    A.adamSteps(p.map(raw), g.map(raw), m.map(raw), v.map(raw), o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, o.decoupled, o.step);
  loaded = {
    ...R,
    name: 'native',
    memoryOf: (x) => raw(x).buffer,
    release: (x) => recycle(raw(x)),
    trim: () => { pool.clear(); pooledBytes = 0; },
    unary(op, x, a = 0, b = 0) {
      if (small(x.size)) return R.unary(op, x, a, b);
      if (op === 'relu' || op === 'leaky_relu') {
        const y = out(x.size);
        A.relu(raw(x), y, op === 'relu' ? 0 : a);
        return wrap(y);
      }
      const code = ELTWISE[op];
      if (code === undefined) return R.unary(op, x, a, b);
      const y = out(x.size);
      A.eltwiseForward(code, raw(x), y, op === 'silu' ? 1 : a);
      return wrap(y);
    },
    unaryBackward(op, x, y, gy, a = 0, b = 0) {
      if (small(x.size)) return R.unaryBackward(op, x, y, gy, a, b);
      if (op === 'relu' || op === 'leaky_relu') {
        const gx = out(x.size);
        A.reluBackward(raw(x), raw(gy), gx, op === 'relu' ? 0 : a);
        return wrap(gx);
      }
      const code = ELTWISE[op];
      if (code === undefined) return R.unaryBackward(op, x, y, gy, a, b);
      const gx = out(x.size);
      A.eltwiseBackward(code, raw(x), raw(gy), gx, op === 'silu' ? 1 : a);
      return wrap(gx);
    },
    binary(op, a, aShape, b, bShape) {
      const os = broadcastShapes(aShape, bShape, op);
      if (small(numel(os))) return R.binary(op, a, aShape, b, bShape);
      const o = out(numel(os));
      A.binary(BINARY.indexOf(op), raw(a), arr(aShape), raw(b), arr(bShape), os, o);
      return wrap(o);
    },
    expand(x, xShape, outShape) {
      if (outShape.length === 0 || small(numel(outShape))) return R.expand(x, xShape, outShape);
      // a broadcasting multiply by one: the same strided loop as the binary ops, exact for every value
      const o = out(numel(outShape));
      A.binary(BINARY.indexOf('mul'), raw(x), arr(xShape), ONE, [1], arr(outShape), o);
      return wrap(o);
    },
    reduce(op, x, shape, axes) {
      // oneDNN refuses a reduction that reduces nothing (every reduced axis has size 1)
      if (shape.length === 0 || small(numel(shape)) || axes.every((a) => shape[a] === 1)) return R.reduce(op, x, shape, axes);
      const os = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const o = out(numel(os));
      const block = op === 'sum' ? middleBlock(shape, axes) : null;
      if (block) A.sumMiddle(raw(x), block[0], block[1], block[2], o);
      else A.reduce(REDUCE[op], raw(x), arr(shape), os, o);
      return wrap(o);
    },
    matmul(a, b, batchA, batchB, m, k, n, transA, transB) {
      if (k === 0) return wrap(zeroed(Math.max(batchA, batchB) * m * n));
      const o = out(Math.max(batchA, batchB) * m * n);
      A.matmul(raw(a), raw(b), batchA, batchB, m, k, n, transA, transB, o);
      return wrap(o);
    },
    conv2d(x, xShape, w, wShape, bias, p) {
      const Ho = convOutSize(xShape[1], wShape[1], p.stride[0], p.padding[0], p.padding[1], p.dilation[0]);
      const Wo = convOutSize(xShape[2], wShape[2], p.stride[1], p.padding[2], p.padding[3], p.dilation[1]);
      const y = out(xShape[0] * Ho * Wo * wShape[0]);
      A.conv2dForward(raw(x), arr(xShape), raw(w), arr(wShape), bias ? raw(bias) : null, convArgs(p), y);
      return wrap(y);
    },
    conv2dBackwardData(gy, w, xShape, wShape, p) {
      const gx = out(numel(xShape));
      A.conv2dBackwardData(raw(gy), raw(w), arr(xShape), arr(wShape), convArgs(p), gx);
      return wrap(gx);
    },
    conv2dBackwardWeights(gy, x, xShape, wShape, p, withBias) {
      const gw = out(numel(wShape)), gb = withBias ? out(wShape[0]) : null;
      A.conv2dBackwardWeights(raw(gy), raw(x), arr(xShape), arr(wShape), convArgs(p), gw, gb);
      return { gw: wrap(gw), gb: gb ? wrap(gb) : null };
    },
    maxPool2d(x, xShape, p) {
      const n = poolOut(xShape, p);
      const y = out(n), argmax = new Int32Array(n);
      A.maxPool2dForward(raw(x), arr(xShape), poolArgs(p), y, argmax);
      return { y: wrap(y), workspace: argmax };
    },
    maxPool2dBackward(gy, workspace, xShape) {
      const gx = out(numel(xShape));
      if (gx.length > 0) A.maxPool2dBackward(raw(gy), workspace as Int32Array, gx, xShape[0]);
      return wrap(gx);
    },
    avgPool2d(x, xShape, p) {
      const y = out(poolOut(xShape, p));
      A.pool2dForward(p.countIncludePad !== false ? 1 : 2, raw(x), arr(xShape), poolArgs(p), y);
      return wrap(y);
    },
    avgPool2dBackward(gy, xShape, p) {
      const gx = out(numel(xShape));
      A.pool2dBackward(p.countIncludePad !== false ? 1 : 2, raw(gy), arr(xShape), poolArgs(p), null, gx);
      return wrap(gx);
    },
    batchNorm(x, rows, C, gamma, beta, eps, running, relu = false) {
      const y = out(rows * C);
      const mean = running ? raw(running.mean).slice() : out(C), v = running ? raw(running.var).slice() : out(C);
      const workspace = A.batchNormForward(raw(x), rows, C, raw(gamma), raw(beta), eps, running === null, mean, v, y, relu);
      return { y: wrap(y), mean: wrap(mean), var: wrap(v), workspace: workspace ?? undefined };
    },
    batchNormBackward(gy, x, rows, C, gamma, mean, variance, eps, training, relu) {
      const gx = out(rows * C), gg = out(C), gb = out(C);
      let g = raw(gy), workspace: ArrayBuffer | null = null;
      if (relu && relu.workspace instanceof ArrayBuffer) workspace = relu.workspace;
      else if (relu) { g = out(rows * C); A.reluBackward(raw(relu.y), raw(gy), g, 0); }   // no mask kept (inference): y > 0 is the mask
      A.batchNormBackward(g, raw(x), rows, C, raw(gamma), raw(mean), raw(variance), eps, training, gx, gg, gb, workspace);
      return { gx: wrap(gx), gGamma: wrap(gg), gBeta: wrap(gb) };
    },
    softmax(x, rows, cols, log) {
      const y = out(rows * cols);
      A.softmax(raw(x), rows, cols, log, y);
      return wrap(y);
    },
    softmaxBackward(gy, y, rows, cols, log) {
      const gx = out(rows * cols);
      A.softmaxBackward(raw(gy), raw(y), rows, cols, log, gx);
      return wrap(gx);
    },
    bilateralFilter(src, h, w, d, sigmaColor, sigmaSpace) {
      const o = out(h * w);
      A.bilateralFilter(src, h, w, d, sigmaColor, sigmaSpace, o);
      return o;
    },
    resizeImage(src, h, w, outH, outW, tx, ty) {
      const o = out(outH * outW);
      A.resizeImage(src, h, w, outH, outW, tx?.start ?? null, tx?.idx ?? null, tx?.wt ?? null, ty?.start ?? null, ty?.idx ?? null, ty?.wt ?? null, o);
      return o;
    },
    melFilter(spec, frames, bins, fb, nMels, support, db, topDb) {
      const o = out(nMels * frames);
      A.melFilter(spec, frames, bins, fb, nMels, support, db, topDb === null || !Number.isFinite(topDb) ? -1 : topDb, o);
      return o;
    },
    stftFrames(signal, pad, nFft, hop, frames, window, power) {
      const o = out(frames * (nFft / 2 + 1));
      A.stftFrames(signal, pad, nFft, hop, frames, window, power, o);
      return o;
    },
    sgdStep: (p, g, buf, o) => sgdSteps([p], [g], [buf], [o.firstStep], o),
    adamStep: (p, g, m, v, o) => adamSteps([p], [g], [m], [v], o),
    sgdSteps, adamSteps,
    rmspropStep(p, g, sq, buf, gAvg, o) { A.rmspropStep(raw(p), raw(g), raw(sq), buf ? raw(buf) : null, gAvg ? raw(gAvg) : null, o.lr, o.alpha, o.eps, o.weightDecay, o.momentum); },
    adagradStep(p, g, sum, o) { A.adagradStep(raw(p), raw(g), raw(sum), o.lr, o.eps, o.weightDecay, o.lrDecay, o.step); },
  };
  return loaded;
}

/**
 * If the reduced axes (ignoring size-1 axes) are consecutive, the sizes [A, R, B]
 * of x seen as kept-before × reduced × kept-after; else null.
 */
function middleBlock(shape: Shape, axes: readonly number[]): [number, number, number] | null {
  const red = shape.map((d, i) => axes.includes(i) && d !== 1);
  const first = red.indexOf(true), last = red.lastIndexOf(true);
  if (first < 0) return null;
  for (let i = first; i <= last; i++) if (!red[i] && shape[i] !== 1) return null;
  return [numel(shape.slice(0, first)), numel(shape.slice(first, last + 1)), numel(shape.slice(last + 1))];
}

function poolOut(xShape: Shape, p: Pool2dParams): number {
  const [Ho, Wo] = poolOutSize(xShape, p);
  return xShape[0] * Ho * Wo * xShape[3];
}

