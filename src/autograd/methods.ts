/**
 * Method sugar: `x.add(y).relu().sum()` calls the functional ops of ./ops.
 * Kept in one file so that tensor/ stays below autograd/ (an arrow only points down).
 */
import { Tensor } from '../tensor/tensor.js';
import * as F from './ops/index.js';

type T = Tensor | number;

declare module '../tensor/tensor.js' {
  interface Tensor {
    add(other: T): Tensor; sub(other: T): Tensor; mul(other: T): Tensor; div(other: T): Tensor;
    pow(exponent: T): Tensor; neg(): Tensor; exp(): Tensor; log(): Tensor; sqrt(): Tensor; abs(): Tensor;
    clamp(lo?: number, hi?: number): Tensor; maximum(other: T): Tensor; minimum(other: T): Tensor;
    eq(other: T): Tensor; gt(other: T): Tensor; lt(other: T): Tensor; ge(other: T): Tensor; le(other: T): Tensor;
    sum(axes?: F.Axes, keepdims?: boolean): Tensor; mean(axes?: F.Axes, keepdims?: boolean): Tensor;
    max(axes?: F.Axes, keepdims?: boolean): Tensor; min(axes?: F.Axes, keepdims?: boolean): Tensor;
    var(axes?: F.Axes, keepdims?: boolean, correction?: number): Tensor;
    argmax(axis?: number, keepdims?: boolean): Tensor; argmin(axis?: number, keepdims?: boolean): Tensor;
    reshape(shape: readonly number[]): Tensor; flatten(start?: number, end?: number): Tensor;
    permute(perm: readonly number[]): Tensor; transpose(a?: number, b?: number): Tensor;
    unsqueeze(axis: number): Tensor; squeeze(axis?: number): Tensor; expand(shape: readonly number[]): Tensor;
    slice(starts: readonly number[], sizes: readonly number[]): Tensor; narrow(axis: number, start: number, length: number): Tensor;
    pad(before: readonly number[], after: readonly number[], value?: number): Tensor;
    matmul(other: Tensor): Tensor;
    relu(): Tensor; sigmoid(): Tensor; tanh(): Tensor; softmax(axis?: number): Tensor; logSoftmax(axis?: number): Tensor;
  }
}

const P = Tensor.prototype;
P.add = function (o) { return F.add(this, o); };
P.sub = function (o) { return F.sub(this, o); };
P.mul = function (o) { return F.mul(this, o); };
P.div = function (o) { return F.div(this, o); };
P.pow = function (e) { return typeof e === 'number' ? F.powScalar(this, e) : F.pow(this, e); };
P.neg = function () { return F.neg(this); };
P.exp = function () { return F.exp(this); };
P.log = function () { return F.log(this); };
P.sqrt = function () { return F.sqrt(this); };
P.abs = function () { return F.abs(this); };
P.clamp = function (lo, hi) { return F.clamp(this, lo, hi); };
P.maximum = function (o) { return F.maximum(this, o); };
P.minimum = function (o) { return F.minimum(this, o); };
P.eq = function (o) { return F.eq(this, o); };
P.gt = function (o) { return F.gt(this, o); };
P.lt = function (o) { return F.lt(this, o); };
P.ge = function (o) { return F.ge(this, o); };
P.le = function (o) { return F.le(this, o); };
P.sum = function (a, k) { return F.sum(this, a, k); };
P.mean = function (a, k) { return F.mean(this, a, k); };
P.max = function (a, k) { return F.max(this, a, k); };
P.min = function (a, k) { return F.min(this, a, k); };
P.var = function (a, k, c) { return F.variance(this, a, k, c); };
P.argmax = function (a, k) { return F.argmax(this, a, k); };
P.argmin = function (a, k) { return F.argmin(this, a, k); };
P.reshape = function (s) { return F.reshape(this, s); };
P.flatten = function (s, e) { return F.flatten(this, s, e); };
P.permute = function (p) { return F.permute(this, p); };
P.transpose = function (a, b) { return F.transpose(this, a, b); };
P.unsqueeze = function (a) { return F.unsqueeze(this, a); };
P.squeeze = function (a) { return F.squeeze(this, a); };
P.expand = function (s) { return F.expand(this, s); };
P.slice = function (s, z) { return F.slice(this, s, z); };
P.narrow = function (a, s, l) { return F.narrow(this, a, s, l); };
P.pad = function (b, a, v) { return F.pad(this, b, a, v); };
P.matmul = function (o) { return F.matmul(this, o); };
P.relu = function () { return F.relu(this); };
P.sigmoid = function () { return F.sigmoid(this); };
P.tanh = function () { return F.tanh(this); };
P.softmax = function (a) { return F.softmax(this, a); };
P.logSoftmax = function (a) { return F.logSoftmax(this, a); };
