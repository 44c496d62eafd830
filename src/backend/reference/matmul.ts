import type { Storage } from '../backend.js';
import { raw, wrap } from './storage.js';

/**
 * C[M×N] += op(A) · op(B), where op(A) is M×K and op(B) is K×N.
 * A is read at a[aOff + i*lda + k] (or a[aOff + k*lda + i] if transA), likewise B.
 * The loop orders keep the innermost loop on contiguous memory:
 *   NN: i-k-j (axpy rows of B), NT: i-j-k (dot products), TN: k-i-j.
 */
export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  a: Float32Array, aOff: number, lda: number,
  b: Float32Array, bOff: number, ldb: number,
  c: Float32Array, cOff: number, ldc: number,
): void {
  if (!transA && !transB) {
    for (let i = 0; i < M; i++) {
      const ci = cOff + i * ldc;
      for (let k = 0; k < K; k++) {
        const aik = a[aOff + i * lda + k];
        if (aik === 0) continue;
        const bk = bOff + k * ldb;
        for (let j = 0; j < N; j++) c[ci + j] += aik * b[bk + j];
      }
    }
  } else if (!transA && transB) {
    for (let i = 0; i < M; i++) {
      const ai = aOff + i * lda;
      for (let j = 0; j < N; j++) {
        const bj = bOff + j * ldb;
        let acc = 0;
        for (let k = 0; k < K; k++) acc += a[ai + k] * b[bj + k];
        c[cOff + i * ldc + j] += acc;
      }
    }
  } else if (transA && !transB) {
    for (let k = 0; k < K; k++) {
      const ak = aOff + k * lda, bk = bOff + k * ldb;
      for (let i = 0; i < M; i++) {
        const aki = a[ak + i];
        if (aki === 0) continue;
        const ci = cOff + i * ldc;
        for (let j = 0; j < N; j++) c[ci + j] += aki * b[bk + j];
      }
    }
  } else {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += a[aOff + k * lda + i] * b[bOff + j * ldb + k];
        c[cOff + i * ldc + j] += acc;
      }
    }
  }
}

export function matmul(as: Storage, bs: Storage, batchA: number, batchB: number, m: number, k: number, n: number, transA: boolean, transB: boolean): Storage {
  const a = raw(as), b = raw(bs);
  const batch = Math.max(batchA, batchB);
  const out = new Float32Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const aOff = batchA === 1 ? 0 : t * m * k;
    const bOff = batchB === 1 ? 0 : t * k * n;
    gemm(transA, transB, m, n, k, a, aOff, transA ? m : k, b, bOff, transB ? k : n, out, t * m * n, n);
  }
  return wrap(out);
}
