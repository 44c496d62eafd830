import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join, basename } from 'node:path';

/**
 * Write a file atomically: to a temporary name in the same folder, then rename
 * it over the target, so that a crash or Ctrl-C never leaves a half-written file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** The message of anything thrown: an Error's message, else the value itself as text (some libraries throw strings). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e || 'unknown error (an empty message)';
  try { return JSON.stringify(e) ?? String(e); } catch { return String(e); }
}

/** What a path is, in words, when it is not a regular file. */
function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isFIFO()) return 'a pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A byte count in words: 1.5 GB, 611 KB, 12 bytes. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/**
 * An open regular file, read in parts: the one way specnet reads a file that comes from outside
 * (WAV, checkpoint, IDX, config). It refuses what is not a regular file (a device such as
 * /dev/zero, a pipe, a folder) and a file larger than `maxBytes` before reading anything, and
 * reads only the ranges asked for, so a hostile file cannot make it read without bound.
 * Every error is `makeError(path, what is wrong)` (by default an Error whose message starts with the path).
 */
export class InputFile {
  readonly size: number;
  private constructor(readonly path: string, private fd: number, size: number, private makeError: (path: string, detail: string) => Error) { this.size = size; }

  static open(path: string, o: { what: string; maxBytes: number; makeError?: (path: string, detail: string) => Error }): InputFile {
    const makeError = o.makeError ?? ((p: string, d: string) => new Error(`${p}: ${d}`));
    let fd: number;
    try { fd = openSync(path, 'r'); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw makeError(path, `cannot read the ${o.what} (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code ?? errorMessage(e)})`);
    }
    try {
      const s = fstatSync(fd);
      if (!s.isFile()) throw makeError(path, `${kindOf(s)}, not a ${o.what} file`);
      if (s.size > o.maxBytes) throw makeError(path, `${formatBytes(s.size)} is too large for a ${o.what} (at most ${formatBytes(o.maxBytes)})`);
      return new InputFile(path, fd, s.size, makeError);
    } catch (e) { closeSync(fd); throw e; }
  }

  /** `length` bytes from `offset` (the caller has checked that they lie inside the file). */
  read(offset: number, length: number): Buffer {
    if (offset < 0 || length < 0 || offset + length > this.size) throw this.makeError(this.path, `bytes ${offset}–${offset + length} lie outside the file of ${this.size} bytes`);
    const buf = Buffer.allocUnsafe(length);
    let at = 0;
    while (at < length) {
      const n = readSync(this.fd, buf, at, length - at, offset + at);
      if (n === 0) throw this.makeError(this.path, `the file ended after ${offset + at} bytes while reading (was it changed while being read?)`);
      at += n;
    }
    return buf;
  }

  readAll(): Buffer { return this.read(0, this.size); }

  close(): void { if (this.fd >= 0) { closeSync(this.fd); this.fd = -1; } }
}

/** Read a whole regular file of at most `maxBytes` (see {@link InputFile}). */
export function readInputFile(path: string, o: { what: string; maxBytes: number; makeError?: (path: string, detail: string) => Error }): Buffer {
  const f = InputFile.open(path, o);
  try { return f.readAll(); } finally { f.close(); }
}
