import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** A file that is not a valid IDX file: names the file and what is wrong. */
export class IdxError extends Error {
  constructor(message: string) { super(message); this.name = 'IdxError'; }
}

export interface IdxArray {
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

// IDX type codes (LeCun's MNIST page): element type and size in bytes
const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'uint8', bytes: 1 }, 0x09: { name: 'int8', bytes: 1 }, 0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 }, 0x0d: { name: 'float32', bytes: 4 }, 0x0e: { name: 'float64', bytes: 8 },
};

/**
 * Parse IDX bytes (gzipped or not): magic = 0, 0, type, rank; then rank
 * big-endian uint32 sizes; then the values, big-endian.
 */
export function parseIdx(bytes: Uint8Array, source = '<buffer>'): IdxArray {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try { buf = gunzipSync(buf); } catch (e) { throw new IdxError(`${source}: corrupt gzip data (${(e as Error).message})`); }
  }
  if (buf.length < 4) throw new IdxError(`${source}: not an IDX file (only ${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0 || !(buf[2] in TYPES) || buf[3] < 1) {
    throw new IdxError(`${source}: not an IDX file (magic bytes ${[...buf.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}, expected 00 00 <type> <rank>)`);
  }
  const type = TYPES[buf[2]], rank = buf[3];
  const header = 4 + 4 * rank;
  if (buf.length < header) throw new IdxError(`${source}: truncated header (${buf.length} bytes, need ${header} for rank ${rank})`);
  const shape = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const need = header + count * type.bytes;
  if (buf.length < need) throw new IdxError(`${source}: truncated data (${buf.length} bytes, shape [${shape.join(', ')}] of ${type.name} needs ${need})`);
  if (buf.length > need) throw new IdxError(`${source}: ${buf.length - need} unexpected bytes after the data of shape [${shape.join(', ')}]`);
  const body = buf.subarray(header, need);
  let data: IdxArray['data'];
  switch (type.name) {
    case 'uint8': data = Uint8Array.from(body); break;
    case 'int8': data = Int8Array.from(body, (b) => (b << 24) >> 24); break;
    case 'int16': data = Int16Array.from({ length: count }, (_, i) => body.readInt16BE(2 * i)); break;
    case 'int32': data = Int32Array.from({ length: count }, (_, i) => body.readInt32BE(4 * i)); break;
    case 'float32': data = Float32Array.from({ length: count }, (_, i) => body.readFloatBE(4 * i)); break;
    default: data = Float64Array.from({ length: count }, (_, i) => body.readDoubleBE(8 * i));
  }
  return { shape, data };
}

/** Read an IDX file (`.gz` or plain). */
export function readIdx(path: string): IdxArray {
  let bytes: Buffer;
  try { bytes = readFileSync(path); } catch (e) {
    throw new IdxError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseIdx(bytes, path);
}

export interface ImageSet {
  /** Images scaled to [0, 1], [N, H, W, 1] row-major. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
}

/** Load an MNIST-style image file and label file as a [0,1] image set. */
export function loadIdxImages(imagesPath: string, labelsPath: string): ImageSet {
  const im = readIdx(imagesPath), lb = readIdx(labelsPath);
  if (im.shape.length !== 3) throw new IdxError(`${imagesPath}: expected images of rank 3 [N, H, W], got [${im.shape.join(', ')}]`);
  if (lb.shape.length !== 1) throw new IdxError(`${labelsPath}: expected labels of rank 1 [N], got [${lb.shape.join(', ')}]`);
  if (lb.shape[0] !== im.shape[0]) throw new IdxError(`${labelsPath}: ${lb.shape[0]} labels for ${im.shape[0]} images in ${imagesPath}`);
  const images = new Float32Array(im.data.length);
  for (let i = 0; i < images.length; i++) images[i] = im.data[i] / 255;
  return { images, labels: Int32Array.from(lb.data as ArrayLike<number>), count: im.shape[0], height: im.shape[1], width: im.shape[2] };
}
