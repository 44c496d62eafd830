import { InputFile, writeFileAtomic } from '../util/fs.js';

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

/** The largest checkpoint read (ResNet-18 with its Adam state is about 135 MB). */
export const MAX_CHECKPOINT_BYTES = 4 * 1024 * 1024 * 1024;
/** The largest safetensors JSON header (the format's own reader allows 100 MB; a specnet checkpoint's is a few KB to 1 MB). */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

interface Entry { name: string; shape: number[]; begin: number; end: number }
interface Header { entries: Entry[]; metadata: Record<string, string>; dataStart: number }

/** The 8-byte header length: checked against the file before the header is read. */
function headerLength(first8: Buffer, total: number, source: string): number {
  if (total < 8) throw new CheckpointError(`${source}: not a safetensors file (${total} bytes)`);
  const n = first8.readBigUInt64LE(0);
  if (n < 2n || n > BigInt(total - 8) || n > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError(`${source}: not a safetensors file (header length ${n} for a file of ${total} bytes; at most ${MAX_HEADER_BYTES})`);
  }
  return Number(n);
}

/**
 * Parse and validate the JSON header against the length of the data that follows it: dtypes
 * (F32 only), shapes, metadata (strings), and offsets that tile the data exactly. Nothing
 * is read beyond the header; every problem is one error naming the source and the key.
 */
function parseHeader(json: Buffer, dataLength: number, source: string): Header {
  let header: unknown;
  try { header = JSON.parse(json.toString('utf8')); } catch (e) {
    throw new CheckpointError(`${source}: corrupt safetensors header (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new CheckpointError(`${source}: the safetensors header is not an object`);
  const metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CheckpointError(`${source}: __metadata__ is ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}, not an object of strings`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new CheckpointError(`${source}: metadata '${k}' is not a string`);
        metadata.push([k, v]);
      }
      continue;
    }
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e.dtype !== 'F32') throw new CheckpointError(`${source}: tensor '${name}' has ${e.dtype === undefined ? 'no dtype' : `dtype ${JSON.stringify(e.dtype)}`}; only F32 is supported`);
    const shape = e.shape, off = e.data_offsets;
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new CheckpointError(`${source}: tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[1] < off[0]) {
      throw new CheckpointError(`${source}: tensor '${name}' has invalid data_offsets ${JSON.stringify(off)}`);
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (off[1] - off[0] !== 4 * count) throw new CheckpointError(`${source}: tensor '${name}' of shape [${shape.join(', ')}] needs ${4 * count} bytes, its offsets span ${off[1] - off[0]}`);
    entries.push({ name, shape: shape as number[], begin: off[0], end: off[1] });
  }
  // the offsets must tile the data exactly: no overlap, no gap, nothing past the end
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) throw new CheckpointError(`${source}: tensor '${e.name}' starts at byte ${e.begin}, expected ${at} (overlapping or missing data)`);
    at = e.end;
  }
  if (at !== dataLength) throw new CheckpointError(`${source}: the tensors cover ${at} bytes of ${dataLength} (truncated or padded file)`);
  // built with fromEntries: a key such as '__proto__' is an own entry, never the object's prototype
  return { entries, metadata: Object.fromEntries(metadata), dataStart: 8 + json.length };
}

function tensorsOf(entries: Entry[], data: Buffer): Record<string, NamedArray> {
  return Object.fromEntries(entries.map((e) => {
    const copy = new Uint8Array(data.subarray(e.begin, e.end));
    return [e.name, { shape: e.shape, data: new Float32Array(copy.buffer, 0, (e.end - e.begin) / 4) }];
  }));
}

/**
 * Decode and validate: header size, JSON, dtypes (F32 only), shapes, and that the
 * offsets tile the data exactly. Every problem is one error naming the source and key.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): { tensors: Record<string, NamedArray>; metadata: Record<string, string> } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = headerLength(buf.subarray(0, 8), buf.length, source);
  const h = parseHeader(buf.subarray(8, 8 + n), buf.length - 8 - n, source);
  return { tensors: tensorsOf(h.entries, buf.subarray(h.dataStart)), metadata: h.metadata };
}

/** Open a safetensors file and read and check its header only (the data stays unread). */
function openSafetensors(path: string): { file: InputFile; header: Header } {
  const file = InputFile.open(path, { what: 'safetensors', maxBytes: MAX_CHECKPOINT_BYTES, makeError: (p, d) => new CheckpointError(`${p}: ${d}`) });
  try {
    const n = headerLength(file.size >= 8 ? file.read(0, 8) : Buffer.alloc(0), file.size, path);
    return { file, header: parseHeader(file.read(8, n), file.size - 8 - n, path) };
  } catch (e) { file.close(); throw e; }
}

/** The metadata of a safetensors file, reading only its header. */
export function readSafetensorsMetadata(path: string): Record<string, string> {
  const { file, header } = openSafetensors(path);
  file.close();
  return header.metadata;
}

/** Read a safetensors file: its header first (checked against the file's size), then exactly the data it declares. */
export function loadSafetensors(path: string): { tensors: Record<string, NamedArray>; metadata: Record<string, string> } {
  const { file, header } = openSafetensors(path);
  try {
    return { tensors: tensorsOf(header.entries, file.read(header.dataStart, file.size - header.dataStart)), metadata: header.metadata };
  } finally { file.close(); }
}
