import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {string: string}},
 * then the raw little-endian tensor bytes. Nothing in the file is ever executed.
 * (No maintained JavaScript library exists for it; the format is 30 lines.)
 */
export interface NamedArray { shape: number[]; data: Float32Array }

/** A file that is not a valid safetensors file, or does not fit: names the file and the key. */
export class CheckpointError extends Error {
  constructor(message: string) { super(message); this.name = 'CheckpointError'; }
}

/** Encode float32 tensors and string metadata. */
export function encodeSafetensors(tensors: Record<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new CheckpointError(`safetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);         // the data starts 8-byte aligned
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  let at = 8 + head.length;
  for (const t of Object.values(tensors)) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    at += t.data.byteLength;
  }
  return out;
}

export function saveSafetensors(path: string, tensors: Record<string, NamedArray>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/**
 * Decode and validate: header size, JSON, dtypes (F32 only), shapes, and that the
 * offsets tile the data exactly. Every problem is one error naming the source and key.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): { tensors: Record<string, NamedArray>; metadata: Record<string, string> } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8) throw new CheckpointError(`${source}: not a safetensors file (${buf.length} bytes)`);
  const n = Number(buf.readBigUInt64LE(0));
  if (n < 2 || n > buf.length - 8 || n > 100 * 1024 * 1024) throw new CheckpointError(`${source}: not a safetensors file (header length ${n} for a file of ${buf.length} bytes)`);
  let header: Record<string, unknown>;
  try { header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>; } catch (e) {
    throw new CheckpointError(`${source}: corrupt safetensors header (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new CheckpointError(`${source}: the safetensors header is not an object`);
  const data = buf.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const entries: [string, { shape: number[]; begin: number; end: number }][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new CheckpointError(`${source}: metadata '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e?.dtype !== 'F32') throw new CheckpointError(`${source}: tensor '${name}' has dtype ${JSON.stringify(e?.dtype)}; only F32 is supported`);
    const shape = e.shape, off = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new CheckpointError(`${source}: tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0) || off[1] < off[0]) {
      throw new CheckpointError(`${source}: tensor '${name}' has invalid data_offsets ${JSON.stringify(off)}`);
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (off[1] - off[0] !== 4 * count) throw new CheckpointError(`${source}: tensor '${name}' of shape [${shape.join(', ')}] needs ${4 * count} bytes, its offsets span ${off[1] - off[0]}`);
    entries.push([name, { shape: shape as number[], begin: off[0], end: off[1] }]);
  }
  // the offsets must tile the data exactly: no overlap, no gap, nothing past the end
  const sorted = [...entries].sort((a, b) => a[1].begin - b[1].begin);
  let at = 0;
  for (const [name, e] of sorted) {
    if (e.begin !== at) throw new CheckpointError(`${source}: tensor '${name}' starts at byte ${e.begin}, expected ${at} (overlapping or missing data)`);
    at = e.end;
  }
  if (at !== data.length) throw new CheckpointError(`${source}: the tensors cover ${at} bytes of ${data.length} (truncated or padded file)`);
  const tensors: Record<string, NamedArray> = {};
  for (const [name, e] of entries) {
    const copy = new Uint8Array(data.subarray(e.begin, e.end));
    tensors[name] = { shape: e.shape, data: new Float32Array(copy.buffer, 0, (e.end - e.begin) / 4) };
  }
  return { tensors, metadata };
}

export function loadSafetensors(path: string): { tensors: Record<string, NamedArray>; metadata: Record<string, string> } {
  let bytes: Buffer;
  try { bytes = readFileSync(path); } catch (e) { throw new CheckpointError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`); }
  return decodeSafetensors(bytes, path);
}
