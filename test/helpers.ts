import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableBackends, setBackend, type Backend } from '../src/backend/index.js';
import { nativeSettings } from '../src/backend/native/index.js';
import { gradcheck, type GradcheckOptions } from '../src/autograd/index.js';
import { tensor } from '../src/tensor/create.js';
import { Generator } from '../src/tensor/random.js';
import type { Tensor } from '../src/tensor/tensor.js';

// the tests' tensors are small: send them to the native kernels, not to the reference loops that
// the native backend uses for tiny tensors (a test below checks that path with the default limit)
nativeSettings.smallOpLimit = 0;

/** Every backend that loads here; each op test runs once per backend with the same expectations. */
export const BACKENDS = availableBackends();

/** Run `body` with each backend selected in turn (candle's test_device!). */
export function onEachBackend(body: (name: string, backend: Backend) => void | Promise<void>): Array<[string, () => void | Promise<void>]> {
  return BACKENDS.map((name) => [name, () => body(name, setBackend(name))]);
}

export interface Closeness { rtol?: number; atol?: number }

/** |a - e| ≤ atol + rtol·|e| everywhere; the message names the first bad index. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, o: Closeness = {}, what = 'values'): void {
  const rtol = o.rtol ?? 1e-4, atol = o.atol ?? 1e-5;
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)}, atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Assert that the gradient check passes, with the failing entry in the message. */
export function assertGrad(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], o: GradcheckOptions = {}): void {
  const r = gradcheck(fn, inputs, o);
  assert.ok(r.ok, `gradcheck failed: ${r.failure}`);
}

/** Random values at least `gap` away from 0 (so kinks of relu/abs/max are not crossed by the finite difference). */
export function randAway(shape: number[], seed = 1, gap = 0.1, requiresGrad = true): Tensor {
  const g = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, () => { const z = g.normal(); return z + Math.sign(z || 1) * gap; });
  return tensor(v, shape, { requiresGrad });
}

/** Distinct, well-separated values in random order (for max/argmax tests). */
export function distinct(shape: number[], seed = 2, requiresGrad = true): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.37);
  new Generator(seed).shuffle(v);
  return tensor(v, shape, { requiresGrad });
}

interface Fixture { shape: number[]; data: number[] }
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FixtureCase = Record<string, any>;

/** The PyTorch golden cases made by scripts/make_torch_fixtures.py. */
export function torchFixtures(): Record<string, FixtureCase> {
  const path = fileURLToPath(new URL('../../test/fixtures/torch.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')).cases;
}

/** A fixture tensor on the current backend. */
export function ft(f: Fixture, requiresGrad = false): Tensor {
  return tensor(f.data, f.shape, { requiresGrad });
}
