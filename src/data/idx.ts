import { constants, gunzipSync } from 'node:zlib';
import { errorMessage, formatBytes, readInputFile } from '../util/fs.js';

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

/** The largest IDX array read (EMNIST's largest file is about 700 MB; Fashion-MNIST's 47 MB). */
export const MAX_IDX_BYTES = 1024 * 1024 * 1024;
/** The rank of an IDX array: MNIST's images are rank 3; no known file goes past 4. */
const MAX_RANK = 8;

/** The gzip stream's first `n` inflated bytes (or fewer, when it holds fewer), without inflating the rest. */
function inflatePrefix(gz: Buffer, n: number, source: string): Buffer {
  // inflate growing prefixes of the compressed stream, flushing what each gives (a truncated stream is no error then)
  for (let take = 64; ; take *= 4) {
    let out: Buffer;
    // deflate expands a byte to at most 1032 bytes: the output of a short prefix stays small
    try { out = gunzipSync(gz.subarray(0, take), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 1100 * take + n }); } catch (e) {
      throw new IdxError(`${source}: corrupt gzip data (${errorMessage(e)})`);
    }
    if (out.length >= n || take >= gz.length) return out.subarray(0, n);
  }
}

/** The header: type, rank and shape, and the byte count the data must have. */
function idxHeader(head: Buffer, total: number | null, source: string): { type: { name: string; bytes: number }; shape: number[]; header: number; need: number } {
  if (head.length < 4) throw new IdxError(`${source}: not an IDX file (only ${head.length} bytes)`);
  if (head[0] !== 0 || head[1] !== 0 || !(head[2] in TYPES) || head[3] < 1 || head[3] > MAX_RANK) {
    throw new IdxError(`${source}: not an IDX file (magic bytes ${[...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}, expected 00 00 <type> <rank 1-${MAX_RANK}>)`);
  }
  const type = TYPES[head[2]], rank = head[3];
  const header = 4 + 4 * rank;
  if (head.length < header) throw new IdxError(`${source}: truncated header (${total ?? head.length} bytes, need ${header} for rank ${rank})`);
  const shape = Array.from({ length: rank }, (_, i) => head.readUInt32BE(4 + 4 * i));
  const need = header + shape.reduce((a, b) => a * b, 1) * type.bytes;
  if (need > MAX_IDX_BYTES + header) throw new IdxError(`${source}: shape [${shape.join(', ')}] of ${type.name} declares ${formatBytes(need)}, more than the ${formatBytes(MAX_IDX_BYTES)} an IDX file may hold`);
  return { type, shape, header, need };
}

/**
 * Parse IDX bytes (gzipped or not): magic = 0, 0, type, rank; then rank
 * big-endian uint32 sizes; then the values, big-endian. A gzip stream is inflated
 * only as far as its header says the data goes (a "zip bomb" stops there).
 */
export function parseIdx(bytes: Uint8Array, source = '<buffer>'): IdxArray {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    const { need } = idxHeader(inflatePrefix(buf, 4 + 4 * MAX_RANK, source), null, source);
    try { buf = gunzipSync(buf, { maxOutputLength: need + 1 }); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new IdxError(`${source}: the gzip data inflates to more than the ${need} bytes its IDX header declares`);
      throw new IdxError(`${source}: corrupt gzip data (${errorMessage(e)})`);
    }
  }
  const { type, shape, header, need } = idxHeader(buf, buf.length, source);
  const count = (need - header) / type.bytes;
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
  return parseIdx(readInputFile(path, { what: 'IDX', maxBytes: MAX_IDX_BYTES, makeError: (p, d) => new IdxError(`${p}: ${d}`) }), path);
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
  if (im.shape[0] === 0 || im.shape[1] === 0 || im.shape[2] === 0) throw new IdxError(`${imagesPath}: holds no images (shape [${im.shape.join(', ')}])`);
  // labels are class numbers: whole, ≥ 0 and few (a float label file's NaN or 2.5 is not a class)
  const badLabel = Array.prototype.findIndex.call(lb.data, (v: number) => !(Number.isInteger(v) && v >= 0 && v < 65536));
  if (badLabel >= 0) throw new IdxError(`${labelsPath}: label ${badLabel} is ${lb.data[badLabel]}; labels should be class numbers (whole numbers from 0 to 65535)`);
  // pixels scaled by 1/255 (MNIST's bytes to [0, 1]); they must be finite
  const images = new Float32Array(im.data.length);
  for (let i = 0; i < images.length; i++) {
    images[i] = im.data[i] / 255;
    if (!Number.isFinite(images[i])) throw new IdxError(`${imagesPath}: pixel ${i} (image ${Math.floor(i / (im.shape[1] * im.shape[2]))}) is ${im.data[i]}: the images should hold finite values`);
  }
  return { images, labels: Int32Array.from(lb.data as ArrayLike<number>), count: im.shape[0], height: im.shape[1], width: im.shape[2] };
}
