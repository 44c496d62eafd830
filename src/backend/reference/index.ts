import type { Backend } from '../backend.js';
import { adaptiveAvgPool2d, adaptiveAvgPool2dBackward, avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { argReduce, reduce } from './reduce.js';
import { binary, expand, unary, unaryBackward, where } from './elementwise.js';
import { concat, gather, pad, permute, scatterAdd, slice } from './movement.js';
import { conv2d, conv2dBackwardData, conv2dBackwardWeights } from './conv.js';
import { adagradStep, adamStep, rmspropStep, sgdStep } from './optim.js';
import { batchNorm, batchNormBackward } from './norm.js';
import { raw, wrap } from './storage.js';
import { matmul } from './matmul.js';
import { softmax, softmaxBackward } from './softmax.js';

/**
 * The reference backend: every kernel is a plain TypeScript loop over a
 * Float32Array, written to be read next to the formula it computes.
 * It is the oracle that the native backend is tested against.
 */
export const referenceBackend: Backend = {
  name: 'reference',
  zeros: (size) => wrap(new Float32Array(size)),
  fromArray: (data) => wrap(Float32Array.from(data)),
  toArray: (x) => raw(x).slice(),
  unary, unaryBackward, binary, where, expand,
  reduce, argReduce,
  permute, slice, pad, concat, gather, scatterAdd,
  matmul,
  conv2d, conv2dBackwardData, conv2dBackwardWeights,
  maxPool2d, maxPool2dBackward,
  avgPool2d, avgPool2dBackward, adaptiveAvgPool2d, adaptiveAvgPool2dBackward,
  batchNorm, batchNormBackward,
  softmax, softmaxBackward,
  sgdStep, adamStep, rmspropStep, adagradStep,
};
