/**
 * IDX reader (the MNIST file format): big-endian header, magic 0x00000801 (2049) for labels
 * (uint8, one dimension) and 0x00000803 (2051) for images (uint8, three dimensions).
 * Files may be gzip-compressed (detected by the gzip magic, not the name).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export const LABELS_MAGIC = 2049;
export const IMAGES_MAGIC = 2051;

export class DataError extends Error {
  override name = 'DataError';
}

export interface IdxImages { count: number; rows: number; cols: number; pixels: Uint8Array }
export interface IdxLabels { count: number; labels: Uint8Array }

function readBytes(path: string): Uint8Array {
  let raw: Uint8Array;
  try {
    const buf = readFileSync(path);
    raw = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: cannot read file (${code ?? (err as Error).message})`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      const out = gunzipSync(raw);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      throw new DataError(`${path}: corrupt or truncated gzip stream (${(err as Error).message})`);
    }
  }
  return raw;
}

function header(path: string, bytes: Uint8Array, magic: number, dims: number): number[] {
  const kind = magic === IMAGES_MAGIC ? 'images' : 'labels';
  const need = 4 + 4 * dims;
  const tooShort = () => new DataError(`${path}: file is ${bytes.length} bytes, too short for an IDX ${kind} header (${need} bytes)`);
  if (bytes.length < 4) throw tooShort();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0);
  if (found !== magic) {
    const other = found === IMAGES_MAGIC ? ' (an images file)' : found === LABELS_MAGIC ? ' (a labels file)' : '';
    throw new DataError(`${path}: bad magic number ${found}${other}; expected ${magic} for IDX ${kind}`);
  }
  if (bytes.length < need) throw tooShort();
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = need + shape.reduce((a, b) => a * b, 1);
  if (bytes.length < expected) {
    throw new DataError(
      `${path}: truncated: header says ${shape.join('x')} (${expected} bytes) but the file has ${bytes.length} bytes`);
  }
  if (bytes.length > expected) {
    throw new DataError(`${path}: ${bytes.length - expected} unexpected bytes after the ${shape.join('x')} data`);
  }
  return shape;
}

export function readIdxImages(path: string): IdxImages {
  const bytes = readBytes(path);
  const [count, rows, cols] = header(path, bytes, IMAGES_MAGIC, 3);
  if (rows === 0 || cols === 0) throw new DataError(`${path}: images have size ${rows}x${cols}; expected non-zero`);
  return { count, rows, cols, pixels: bytes.subarray(16) };
}

export function readIdxLabels(path: string, numClasses?: number): IdxLabels {
  const bytes = readBytes(path);
  const [count] = header(path, bytes, LABELS_MAGIC, 1);
  const labels = bytes.subarray(8);
  if (numClasses !== undefined) {
    const bad = labels.findIndex((l) => l >= numClasses);
    if (bad >= 0) {
      throw new DataError(`${path}: label ${labels[bad]} at index ${bad} is out of range; expected 0..${numClasses - 1}`);
    }
  }
  return { count, labels };
}

/** Encodes images or labels as an IDX file (used to write slices and test fixtures). */
export function encodeIdx(data: Uint8Array, shape: number[]): Buffer {
  const magic = shape.length === 1 ? LABELS_MAGIC : IMAGES_MAGIC;
  const out = Buffer.alloc(4 + 4 * shape.length + data.length);
  out.writeUInt32BE(magic, 0);
  shape.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
