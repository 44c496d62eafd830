import assert from 'node:assert/strict';
import { test } from 'node:test';
import { availableBackends, getBackend, referenceBackend, setBackend } from '../../src/backend/index.js';

test('the reference backend is always available and selectable by name', () => {
  assert.ok(availableBackends().includes('reference'));
  assert.equal(setBackend('reference'), referenceBackend);
  assert.equal(getBackend().name, 'reference');
});

test('an unknown backend name is a clear error listing the known ones', () => {
  assert.throws(() => setBackend('cuda-magic'), /unknown backend 'cuda-magic' \(known: reference/);
});

test('storage is read back only through an explicit copy', () => {
  const b = referenceBackend;
  const s = b.fromArray([1, 2, 3]);
  const copy = b.toArray(s);
  copy[0] = 99;
  assert.deepEqual([...b.toArray(s)], [1, 2, 3]);
});
