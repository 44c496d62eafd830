import type { Pool2dParams } from '../../backend/backend.js';
import { convOutSize, fmt, ShapeError } from '../../backend/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkRank, record } from '../record.js';
import { pair, type Pair } from './conv.js';

export interface Pool2dOptions {
  stride?: Pair;        // defaults to the kernel size
  padding?: Pair;
  countIncludePad?: boolean;
}

function poolParams(x: Tensor, kernel: Pair, o: Pool2dOptions, op: string): { p: Pool2dParams; out: number[] } {
  checkRank(x, 4, op, 'input [N, H, W, C]');
  const k = pair(kernel), s = pair(o.stride ?? kernel), pd = pair(o.padding ?? 0);
  if (pd[0] > k[0] / 2 || pd[1] > k[1] / 2) throw new ShapeError(`${op}: padding ${pd} should be at most half the kernel ${k}`);
  const Ho = convOutSize(x.shape[1], k[0], s[0], pd[0], pd[0]), Wo = convOutSize(x.shape[2], k[1], s[1], pd[1], pd[1]);
  if (Ho < 1 || Wo < 1) throw new ShapeError(`${op}: input ${fmt(x.shape)} is smaller than the ${k[0]}×${k[1]} window`);
  return { p: { kernel: k, stride: s, padding: pd, countIncludePad: o.countIncludePad ?? true }, out: [x.shape[0], Ho, Wo, x.shape[3]] };
}

/** y = max over each kH×kW window; the gradient flows only to the winning cell. */
export function maxPool2d(x: Tensor, kernel: Pair, o: Pool2dOptions = {}): Tensor {
  const { p, out } = poolParams(x, kernel, o, 'maxPool2d');
  const B = x.backend;
  const { y, workspace } = B.maxPool2d(x.storage, x.shape, p);
  return record('maxPool2d', y, out, [x], (g) => [new Tensor(B.maxPool2dBackward(g.storage, workspace, x.shape, p), x.shape, B)]);
}

/** y = mean over each window; the gradient is spread evenly over it. */
export function avgPool2d(x: Tensor, kernel: Pair, o: Pool2dOptions = {}): Tensor {
  const { p, out } = poolParams(x, kernel, o, 'avgPool2d');
  const B = x.backend;
  return record('avgPool2d', B.avgPool2d(x.storage, x.shape, p), out, [x], (g) => [new Tensor(B.avgPool2dBackward(g.storage, x.shape, p), x.shape, B)]);
}

/** Average into a fixed outH×outW grid whatever the input size (global average pooling for 1×1). */
export function adaptiveAvgPool2d(x: Tensor, size: Pair = 1): Tensor {
  checkRank(x, 4, 'adaptiveAvgPool2d', 'input [N, H, W, C]');
  const [Ho, Wo] = pair(size);
  const B = x.backend;
  return record('adaptiveAvgPool2d', B.adaptiveAvgPool2d(x.storage, x.shape, Ho, Wo), [x.shape[0], Ho, Wo, x.shape[3]], [x], (g) => [
    new Tensor(B.adaptiveAvgPool2dBackward(g.storage, x.shape, Ho, Wo), x.shape, B),
  ]);
}
