// Tensor.backward() hands dead gradients back to the backend (Backend.release) for reuse.
// A spy backend poisons every released block with NaN, as a reuse would overwrite it:
// gradients, forward values the caller holds, leaf .grad and the caller's seed must
// come out exactly as on a backend that recycles nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { add, concat, matmul, mul, relu, reshape, slice, sum } from '../../src/autograd/index.js';
import type { Backend, Storage } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { raw } from '../../src/backend/reference/storage.js';
import { tensor } from '../../src/tensor/create.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { setBackend } from '../../src/backend/index.js';
import { BACKENDS } from '../helpers.js';

function spyBackend(): { backend: Backend; released: Float32Array[] } {
  const released: Float32Array[] = [];
  const backend: Backend = {
    ...referenceBackend,
    name: 'spy',
    memoryOf: (s: Storage) => raw(s).buffer,
    release: (s: Storage) => { const a = raw(s); released.push(a); a.fill(NaN); },
  };
  return { backend, released };
}

/** A graph with shared gradients: add(h, h) sends one gradient to both inputs, reshape shares memory, slices of a concat, a leaf used twice. */
function graph(backend: Backend, m = 2, k = 3, n = 2) {
  const vals = (len: number, f: number) => Float32Array.from({ length: len }, (_, i) => Math.sin(i * f + 1));
  const x = tensor(vals(m * k, 0.7), [m, k], { backend }).requiresGrad_();
  const w = tensor(vals(k * n, 1.3), [k, n], { backend }).requiresGrad_();
  const h = matmul(x, w);                        // [m, n]
  const a = add(h, h);
  const r = relu(reshape(a, [m * n]));
  const c = concat([r, mul(r, 2)], 0);           // [2mn]
  const s = add(slice(c, [0], [m * n]), slice(c, [m * n], [m * n]));
  const y = mul(s, reshape(matmul(x, w), [m * n]));  // w used again
  return { x, w, h, a, r, c, y, loss: sum(y) };
}

/** The graph on the plain reference backend, backward done, and the same graph on a fresh spy backend. */
function plainAndSpied() {
  const plain = graph(referenceBackend);
  plain.loss.backward();
  const { backend, released } = spyBackend();
  return { plain, spied: graph(backend), backend, released };
}

const values = (ts: Record<string, Tensor>) => Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, [...t.toArray()]]));

describe('backward hands dead gradients back to the backend', () => {
  test('same gradients and untouched forward values, leaf grads and seed', () => {
    const { plain, spied, backend, released } = plainAndSpied();
    const seed = tensor([1], [], { backend });
    const { loss, ...held } = spied;
    spied.y.backward(tensor([1, 1, 1, 1], undefined, { backend }));   // y is [4]
    loss.backward(seed);
    plain.loss.backward();                        // same accumulation on both sides
    assert.ok(released.length > 0, 'nothing was handed back');
    assert.deepEqual(values({ ...held, gx: spied.x.grad!, gw: spied.w.grad! }),
      values({ x: plain.x, w: plain.w, h: plain.h, a: plain.a, r: plain.r, c: plain.c, y: plain.y, gx: plain.x.grad!, gw: plain.w.grad! }));
    assert.deepEqual([...seed.toArray()], [1]);
    for (const a of released) {
      for (const t of [...Object.values(held), spied.x.grad!, spied.w.grad!, seed]) assert.notEqual(a.buffer, raw(t.storage).buffer);
    }
  });
});

/** Gradients (and loss) of one training-like step on a graph big enough for the native pool. */
function step(B: Backend, o: { releaseGraph?: boolean } = {}) {
  const g = graph(B, 64, 40, 32);
  g.loss.backward(undefined, o);
  return { g, got: values({ gx: g.x.grad!, gw: g.w.grad! }) };
}

for (const name of BACKENDS) {
  test(`repeated training-like steps give the same gradients as the first (${name})`, () => {
    const { g: first, got: want } = step(setBackend(name));
    for (let i = 0; i < 5; i++) assert.deepEqual(step(first.x.backend).got, want);   // later steps reuse what earlier ones handed back
    assert.deepEqual(values({ gx: first.x.grad!, gw: first.w.grad! }), want, 'a held .grad changed');
  });
  test(`training steps with releaseGraph give the same gradients as without (${name})`, () => {
    const { g: plain, got: want } = step(setBackend(name));
    for (let i = 0; i < 4; i++) {
      const { g, got } = step(plain.x.backend, { releaseGraph: true });
      assert.deepEqual({ ...got, ...values({ loss: g.loss }) }, { ...want, ...values({ loss: plain.loss }) });
    }
  });
}

describe('backward({ releaseGraph: true })', () => {
  test('hands back the intermediate values; leaves, the root, the seed and .grad stay; reading a released value says why', () => {
    const { plain, spied: g, released } = plainAndSpied();
    g.loss.backward(undefined, { releaseGraph: true });
    assert.deepEqual(values({ x: g.x, w: g.w, loss: g.loss, gx: g.x.grad!, gw: g.w.grad! }),
      values({ x: plain.x, w: plain.w, loss: plain.loss, gx: plain.x.grad!, gw: plain.w.grad! }));
    for (const t of [g.h, g.a, g.r, g.c, g.y]) assert.throws(() => t.toArray(), /released by backward\(\{ releaseGraph: true \}\)/);
    const forward = new Set([g.h, g.a, g.r, g.c, g.y].map((t) => t.size));
    assert.ok(released.some((a) => forward.has(a.length)), 'no forward value was handed back');
  });
});

test('the native backend serves a released block to the next output of its length, and forgets it after trim()', { skip: !BACKENDS.includes('native') && 'native addon not built' }, () => {
  const B = setBackend('native');
  const ones = B.fromArray(new Float32Array(4096).fill(1));
  const relu = (x: Storage) => B.unary('relu', x);
  const a = relu(ones);
  const block = B.memoryOf!(a);
  B.release!(a);
  const b = relu(ones);
  assert.equal(B.memoryOf!(b), block, 'the released block was not reused');
  assert.deepEqual([...raw(b)].slice(0, 3), [1, 1, 1]);
  B.release!(b);
  B.trim!();
  assert.notEqual(B.memoryOf!(relu(ones)), block, 'trim() kept the block');
});
