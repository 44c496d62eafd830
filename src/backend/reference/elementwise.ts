import type { BinaryOp, Shape, Storage, UnaryOp } from '../backend.js';
import { broadcastShapes } from '../shape.js';
import { broadcastStrides, forEachRow, numel, raw, wrap } from './storage.js';

/** y = f(x), one formula per op. */
export function unary(op: UnaryOp, xs: Storage, a = 0, b = 0): Storage {
  const x = raw(xs);
  const y = new Float32Array(x.length);
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) y[i] = -x[i]; break;
    case 'exp': for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]); break;
    case 'log': for (let i = 0; i < n; i++) y[i] = Math.log(x[i]); break;
    case 'sqrt': for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]); break;
    case 'abs': for (let i = 0; i < n; i++) y[i] = Math.abs(x[i]); break;
    case 'sign': for (let i = 0; i < n; i++) y[i] = Math.sign(x[i]); break;
    case 'pow': for (let i = 0; i < n; i++) y[i] = Math.pow(x[i], a); break;
    case 'clamp': for (let i = 0; i < n; i++) y[i] = Math.min(Math.max(x[i], a), b); break;
    case 'relu': for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0; break;
    case 'leaky_relu': for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * x[i]; break;
    case 'elu': for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * Math.expm1(x[i]); break;
    case 'sigmoid': for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i])); break;
    case 'tanh': for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]); break;
    case 'silu': for (let i = 0; i < n; i++) y[i] = x[i] / (1 + Math.exp(-x[i])); break;
    default: throw new Error(`unary: unknown op '${op as string}'`);
  }
  return wrap(y);
}

/** gx = gy · f'(x), using the saved output y where that is cheaper. */
export function unaryBackward(op: UnaryOp, xs: Storage, ys: Storage, gys: Storage, a = 0, b = 0): Storage {
  const x = raw(xs), y = raw(ys), gy = raw(gys);
  const g = new Float32Array(x.length);
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) g[i] = -gy[i]; break;
    case 'exp': for (let i = 0; i < n; i++) g[i] = gy[i] * y[i]; break;                 // (e^x)' = e^x
    case 'log': for (let i = 0; i < n; i++) g[i] = gy[i] / x[i]; break;                 // (ln x)' = 1/x
    case 'sqrt': for (let i = 0; i < n; i++) g[i] = gy[i] * 0.5 / y[i]; break;          // (√x)' = 1/(2√x)
    case 'abs': for (let i = 0; i < n; i++) g[i] = gy[i] * Math.sign(x[i]); break;
    case 'sign': break;                                                                   // zero almost everywhere
    case 'pow': for (let i = 0; i < n; i++) g[i] = gy[i] * a * Math.pow(x[i], a - 1); break;
    case 'clamp': for (let i = 0; i < n; i++) g[i] = x[i] >= a && x[i] <= b ? gy[i] : 0; break;
    case 'relu': for (let i = 0; i < n; i++) g[i] = x[i] > 0 ? gy[i] : 0; break;
    case 'leaky_relu': for (let i = 0; i < n; i++) g[i] = x[i] > 0 ? gy[i] : a * gy[i]; break;
    case 'elu': for (let i = 0; i < n; i++) g[i] = x[i] > 0 ? gy[i] : gy[i] * (y[i] + a); break; // α e^x = y + α
    case 'sigmoid': for (let i = 0; i < n; i++) g[i] = gy[i] * y[i] * (1 - y[i]); break;  // σ' = σ(1-σ)
    case 'tanh': for (let i = 0; i < n; i++) g[i] = gy[i] * (1 - y[i] * y[i]); break;     // tanh' = 1 - tanh²
    case 'silu': for (let i = 0; i < n; i++) {                                            // (xσ)' = σ(1 + x(1-σ))
      const s = 1 / (1 + Math.exp(-x[i]));
      g[i] = gy[i] * s * (1 + x[i] * (1 - s));
    } break;
    default: throw new Error(`unaryBackward: unknown op '${op as string}'`);
  }
  return wrap(g);
}

const binaryFns: Record<BinaryOp, (p: number, q: number) => number> = {
  add: (p, q) => p + q,
  sub: (p, q) => p - q,
  mul: (p, q) => p * q,
  div: (p, q) => p / q,
  pow: (p, q) => Math.pow(p, q),
  maximum: (p, q) => (p > q ? p : q),
  minimum: (p, q) => (p < q ? p : q),
  eq: (p, q) => (p === q ? 1 : 0),
  gt: (p, q) => (p > q ? 1 : 0),
  lt: (p, q) => (p < q ? 1 : 0),
  ge: (p, q) => (p >= q ? 1 : 0),
  le: (p, q) => (p <= q ? 1 : 0),
};

export function binary(op: BinaryOp, as: Storage, aShape: Shape, bs: Storage, bShape: Shape): Storage {
  const a = raw(as), b = raw(bs);
  const outShape = broadcastShapes(aShape, bShape, op);
  const out = new Float32Array(numel(outShape));
  const f = binaryFns[op];
  if (a.length === out.length && b.length === out.length) {
    // same shape: the common case, one flat loop
    switch (op) {
      case 'add': for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i]; break;
      case 'sub': for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i]; break;
      case 'mul': for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i]; break;
      default: for (let i = 0; i < out.length; i++) out[i] = f(a[i], b[i]);
    }
    return wrap(out);
  }
  const sa = broadcastStrides(aShape, outShape), sb = broadcastStrides(bShape, outShape);
  forEachRow(outShape, [sa, sb], (o, offs, len, st) => {
    let ia = offs[0], ib = offs[1];
    const da = st[0], db = st[1];
    for (let j = 0; j < len; j++, ia += da, ib += db) out[o + j] = f(a[ia], b[ib]);
  });
  return wrap(out);
}

export function where(cs: Storage, cShape: Shape, as: Storage, aShape: Shape, bs: Storage, bShape: Shape, outShape: Shape): Storage {
  const c = raw(cs), a = raw(as), b = raw(bs);
  const out = new Float32Array(numel(outShape));
  const st = [broadcastStrides(cShape, outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)];
  forEachRow(outShape, st, (o, offs, len, s) => {
    for (let j = 0; j < len; j++) {
      out[o + j] = c[offs[0] + j * s[0]] !== 0 ? a[offs[1] + j * s[1]] : b[offs[2] + j * s[2]];
    }
  });
  return wrap(out);
}

export function expand(xs: Storage, xShape: Shape, outShape: Shape): Storage {
  const x = raw(xs);
  const out = new Float32Array(numel(outShape));
  forEachRow(outShape, [broadcastStrides(xShape, outShape)], (o, offs, len, s) => {
    for (let j = 0, i = offs[0]; j < len; j++, i += s[0]) out[o + j] = x[i];
  });
  return wrap(out);
}
