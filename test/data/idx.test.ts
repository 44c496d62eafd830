import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ArrayLoader, batchIndices } from '../../src/data/loader.js';
import { IdxError, loadIdxImages, parseIdx, readIdx } from '../../src/data/idx.js';

/** An IDX file made by hand: magic 0 0 type rank, big-endian sizes, data. */
function idx(type: number, shape: number[], values: number[], bytesPer = 1): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = type; head[3] = shape.length;
  shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  const body = Buffer.alloc(values.length * bytesPer);
  values.forEach((v, i) => {
    if (type === 0x08) body[i] = v;
    else if (type === 0x0b) body.writeInt16BE(v, 2 * i);
    else if (type === 0x0c) body.writeInt32BE(v, 4 * i);
    else if (type === 0x0d) body.writeFloatBE(v, 4 * i);
  });
  return Buffer.concat([head, body]);
}

const dir = mkdtempSync(join(tmpdir(), 'specnet-idx-'));

test('parses IDX of every numeric type, plain or gzipped', () => {
  const u8 = idx(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  assert.deepEqual(parseIdx(u8).shape, [2, 2, 3]);
  assert.deepEqual([...parseIdx(gzipSync(u8)).data], [...parseIdx(u8).data]);
  assert.deepEqual([...parseIdx(idx(0x0b, [2], [-300, 7], 2)).data], [-300, 7]);
  assert.deepEqual([...parseIdx(idx(0x0c, [1], [-70000], 4)).data], [-70000]);
  assert.deepEqual([...parseIdx(idx(0x0d, [2], [1.5, -2], 4)).data], [1.5, -2]);
});

test('loads an image set scaled to [0, 1] with its labels', () => {
  writeFileSync(join(dir, 'im.gz'), gzipSync(idx(0x08, [2, 2, 2], [0, 255, 51, 102, 0, 0, 0, 255])));
  writeFileSync(join(dir, 'lb'), idx(0x08, [2], [3, 9]));
  const s = loadIdxImages(join(dir, 'im.gz'), join(dir, 'lb'));
  assert.equal(s.count, 2);
  assert.deepEqual([...s.labels], [3, 9]);
  assert.deepEqual([...s.images.slice(0, 4)].map((v) => Math.round(v * 100) / 100), [0, 1, 0.2, 0.4]);
});

test('bad files get one clear error naming the file', () => {
  writeFileSync(join(dir, 'text.idx'), 'hello world, not idx');
  assert.throws(() => readIdx(join(dir, 'text.idx')), (e: Error) => e instanceof IdxError && e.message.includes('text.idx: not an IDX file (magic bytes 68 65 6c 6c'));
  const full = idx(0x08, [10, 28, 28], new Array(7840).fill(1));
  writeFileSync(join(dir, 'short.idx'), full.subarray(0, 1000));
  assert.throws(() => readIdx(join(dir, 'short.idx')), /short\.idx: truncated data \(1000 bytes, shape \[10, 28, 28\] of uint8 needs 7856\)/);
  writeFileSync(join(dir, 'head.idx'), full.subarray(0, 9));
  assert.throws(() => readIdx(join(dir, 'head.idx')), /head\.idx: truncated header/);
  writeFileSync(join(dir, 'bad.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
  assert.throws(() => readIdx(join(dir, 'bad.gz')), /bad\.gz: corrupt gzip data/);
  assert.throws(() => readIdx(join(dir, 'missing.idx')), /missing\.idx: cannot read the IDX \(no such file\)/);
  writeFileSync(join(dir, 'lb3'), idx(0x08, [3], [1, 2, 3]));
  writeFileSync(join(dir, 'im2'), idx(0x08, [2, 1, 1], [1, 2]));
  assert.throws(() => loadIdxImages(join(dir, 'im2'), join(dir, 'lb3')), /lb3: 3 labels for 2 images/);
});

test('batch indices: seeded shuffle, drop-last or keep the partial batch', () => {
  const all = (o: Parameters<typeof batchIndices>[1], e = 0) => [...batchIndices(10, o, e)].map((b) => [...b]);
  assert.deepEqual(all({ batchSize: 4 }), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.deepEqual(all({ batchSize: 4, dropLast: true }).length, 2);
  const a = all({ batchSize: 3, shuffle: true, seed: 1 });
  assert.deepEqual(a, all({ batchSize: 3, shuffle: true, seed: 1 }));
  assert.notDeepEqual(a, all({ batchSize: 3, shuffle: true, seed: 1 }, 1));
  assert.deepEqual(a.flat().sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const loader = new ArrayLoader(Float32Array.from({ length: 20 }, (_, i) => i), Int32Array.from({ length: 10 }, (_, i) => i), [2], { batchSize: 4 });
  const [first] = loader.epoch(0);
  assert.deepEqual(first.x.shape, [4, 2]);
  assert.deepEqual([...first.x.toArray()], [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(loader.length, 3);
  assert.throws(() => new ArrayLoader(new Float32Array(5), new Int32Array(2), [2], { batchSize: 1 }), /5 values for 2 examples of shape \[2\]/);
});
