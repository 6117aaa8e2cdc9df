/**
 * NumPy's .npy format (format 1.0, 2.0 and, for reading, 3.0), for float32 and float64
 * matrices, in memory: works the same in the browser and in Node.
 *
 * A file is: the magic `\x93NUMPY`, the version (major, minor), the header length (uint16 in
 * 1.0, uint32 in 2.0/3.0, little-endian), a Python dict literal
 * `{'descr': '<f8', 'fortran_order': True, 'shape': (m, n), }` padded with spaces and a newline
 * so that the data starts at a multiple of 64 bytes, then the raw data.
 *
 * A Mat is column-major (`data = vec(X)`, DESIGN.md §1), which is exactly NumPy's Fortran order:
 * it is written with `fortran_order: True` and its bytes as they are (no transpose). Files in C
 * order (NumPy's default) are read and transposed into column-major. One-dimensional arrays of
 * length m read as m×1 columns, zero-dimensional ones as 1×1.
 */
import { FileFormatError } from '../errors.js';
import { Mat, type MatData } from '../mat/mat.js';

export type NpyDtype = 'float32' | 'float64';

/** What a .npy header says, and where its data lies. */
export interface NpyHeader {
  /** Format major version: 1, 2 or 3 (3 = 2 with a UTF-8 header). */
  readonly version: 1 | 2 | 3;
  readonly dtype: NpyDtype;
  readonly fortranOrder: boolean;
  /** The array's shape as stored (0, 1 or 2 dimensions). */
  readonly shape: readonly number[];
  /** The matrix it reads as: rows × cols (a vector is a column, a scalar 1×1). */
  readonly rows: number;
  readonly cols: number;
  /** Byte offset of the data (a multiple of 64 for files NumPy or matjac wrote). */
  readonly dataOffset: number;
  /** rows · cols · itemsize. */
  readonly dataBytes: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** The data starts at a multiple of this (NumPy's ARRAY_ALIGN). */
const ALIGN = 64;
/** Longest header accepted when reading (NumPy's own default limit is 10 000). */
const MAX_HEADER = 1 << 20;
/** Bytes needed to know a header's full length: magic, version, uint32 length. */
export const NPY_PREAMBLE = 12;

export const itemSize = (dtype: NpyDtype): 4 | 8 => (dtype === 'float64' ? 8 : 4);
const DESCR: Record<NpyDtype, string> = { float64: '<f8', float32: '<f4' };

export const dtypeOf = (data: MatData): NpyDtype => (data instanceof Float32Array ? 'float32' : 'float64');

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// writing

export interface NpyWriteOptions {
  /** Format version: 1 (uint16 header length) or 2 (uint32); default 1, or 2 when the header needs it. */
  readonly version?: 1 | 2;
}

/**
 * The header (magic through the newline) of an m×n matrix stored column-major:
 * `fortran_order: True`, shape `(m, n)`; its length is a multiple of 64.
 */
export function encodeNpyHeader(rows: number, cols: number, dtype: NpyDtype, opts: NpyWriteOptions & { readonly fortranOrder?: boolean } = {}): Uint8Array {
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': ${opts.fortranOrder === false ? 'False' : 'True'}, 'shape': (${rows}, ${cols}), }`;
  const version = opts.version ?? (dict.length + 1 + 10 <= 0xffff ? 1 : 2);
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / ALIGN) * ALIGN;
  const headerLen = total - pre;
  if (version === 1 && headerLen > 0xffff) throw new FileFormatError(`a ${rows}×${cols} header does not fit format 1.0; use version 2`, 'version');
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, headerLen, true);
  else dv.setUint32(8, headerLen, true);
  out.fill(0x20, pre, total - 1);
  for (let k = 0; k < dict.length; k++) out[pre + k] = dict.charCodeAt(k);
  out[total - 1] = 0x0a;
  return out;
}

/** The little-endian bytes of column-major data: a view when the host is little-endian (every current one). */
export function dataBytes(data: MatData): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN_HOST ? view : swapped(view, data.BYTES_PER_ELEMENT);
}

/** M as the bytes of a .npy file: its column-major data under a `fortran_order: True` header. */
export function toNpy(M: Mat, opts: NpyWriteOptions = {}): Uint8Array {
  checkVersion(opts.version);
  const header = encodeNpyHeader(M.rows, M.cols, dtypeOf(M.data), opts);
  const out = new Uint8Array(header.length + M.data.byteLength);
  out.set(header, 0);
  out.set(dataBytes(M.data), header.length);
  return out;
}

function checkVersion(v: unknown): void {
  if (v !== undefined && v !== 1 && v !== 2) throw new FileFormatError(`npy format version must be 1 or 2, got ${String(v)}`, 'version');
}

// ---------------------------------------------------------------------------------------------
// reading

/**
 * The total header length (magic through the newline) from a file's first bytes (at least
 * `NPY_PREAMBLE`, or the whole file when shorter).
 */
export function npyHeaderLength(first: Uint8Array): number {
  for (let k = 0; k < MAGIC.length; k++) {
    if (first[k] !== MAGIC[k]) {
      throw new FileFormatError(first.length < MAGIC.length && k === first.length ? `not a .npy file: only ${first.length} bytes` : 'not a .npy file: it does not start with \\x93NUMPY', first.length <= k ? 'truncated' : 'magic');
    }
  }
  if (first.length < 10) throw new FileFormatError(`truncated .npy file: ${first.length} bytes, the header is incomplete`, 'truncated');
  const major = first[6]!;
  if (major !== 1 && major !== 2 && major !== 3) throw new FileFormatError(`.npy format version ${major}.${first[7]} is not supported (1.0, 2.0, 3.0 are)`, 'version');
  if (major > 1 && first.length < 12) throw new FileFormatError(`truncated .npy file: ${first.length} bytes, the header is incomplete`, 'truncated');
  const dv = new DataView(first.buffer, first.byteOffset, first.byteLength);
  const len = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  if (len > MAX_HEADER) throw new FileFormatError(`.npy header of ${len} bytes is longer than the ${MAX_HEADER} accepted`, 'header');
  return (major === 1 ? 10 : 12) + len;
}

/** Parses a .npy header from the start of a file (`bytes` holds at least the whole header). */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  const total = npyHeaderLength(bytes);
  if (bytes.length < total) throw new FileFormatError(`truncated .npy file: the header needs ${total} bytes, the file has ${bytes.length}`, 'truncated');
  const major = bytes[6]! as 1 | 2 | 3;
  const raw = bytes.subarray(major === 1 ? 10 : 12, total);
  const text = major === 3 ? new TextDecoder('utf-8').decode(raw) : String.fromCharCode(...raw);
  const dict = parseDict(text);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') throw new FileFormatError(`.npy header has ${descr === undefined ? "no 'descr'" : "a structured 'descr'"}: only float32 and float64 arrays are supported`, descr === undefined ? 'header' : 'dtype');
  if (typeof fortran !== 'boolean') throw new FileFormatError(".npy header needs 'fortran_order': True or False", 'header');
  if (!Array.isArray(shape)) throw new FileFormatError(".npy header needs a 'shape' tuple", 'header');
  const dtype = dtypeFromDescr(descr);
  if (shape.length > 2) throw new FileFormatError(`the .npy array has ${shape.length} dimensions (shape (${shape.join(', ')})); a matrix has at most 2`, 'ndim');
  const rows = shape.length === 0 ? 1 : shape[0]!;
  const cols = shape.length === 2 ? shape[1]! : 1;
  const dataBytes = rows * cols * itemSize(dtype);
  if (!Number.isSafeInteger(dataBytes)) throw new FileFormatError(`the .npy shape (${shape.join(', ')}) is too large`, 'header');
  return { version: major, dtype, fortranOrder: fortran, shape, rows, cols, dataOffset: total, dataBytes };
}

function dtypeFromDescr(descr: string): NpyDtype {
  const m = /^([<>|=])?([a-zA-Z])(\d*)$/.exec(descr);
  if (m && m[2] === 'f' && (m[3] === '8' || m[3] === '4')) {
    if (m[1] === '>') throw new FileFormatError(`the .npy data is big-endian ('${descr}'); only little-endian float32/float64 are supported (in NumPy: a.astype('<f8'))`, 'endian');
    if (m[1] === '<') return m[3] === '8' ? 'float64' : 'float32';
  }
  throw new FileFormatError(`the .npy dtype '${descr}' is not supported: only little-endian float32 ('<f4') and float64 ('<f8')`, 'dtype');
}

/**
 * A .npy file's bytes as a Mat (column-major; C-order data is transposed). float32 data stays
 * float32, float64 stays float64. Bad files throw FileFormatError with a `reason`.
 */
export function fromNpy(bytes: Uint8Array | ArrayBuffer): Mat {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const h = parseNpyHeader(b);
  const have = b.length - h.dataOffset;
  if (have < h.dataBytes) throw new FileFormatError(`truncated .npy file: a ${h.rows}×${h.cols} ${h.dtype} array needs ${h.dataBytes} data bytes, the file has ${have}`, 'truncated');
  if (have > h.dataBytes) throw new FileFormatError(`the .npy file has ${have - h.dataBytes} bytes after the ${h.rows}×${h.cols} ${h.dtype} data`, 'size');
  return matFromNpyData(h, b.subarray(h.dataOffset));
}

/** The matrix a header describes, from exactly its data bytes (copied; C order transposed). */
export function matFromNpyData(h: NpyHeader, data: Uint8Array): Mat {
  const n = h.rows * h.cols;
  const out = h.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  const outBytes = new Uint8Array(out.buffer);
  outBytes.set(data.subarray(0, h.dataBytes));
  if (!LITTLE_ENDIAN_HOST) outBytes.set(swapped(outBytes, out.BYTES_PER_ELEMENT));
  if (h.fortranOrder || h.shape.length < 2 || h.rows <= 1 || h.cols <= 1) return new Mat(h.rows, h.cols, out);
  // C order: element (i, j) at i·cols + j; column-major wants it at i + j·rows
  const t = h.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  transposeInto(t, out, h.cols, h.rows);
  return new Mat(h.rows, h.cols, t);
}

/**
 * out (cols×rows… i.e. the transpose) ← src, where src is an r×c column-major block of data:
 * out[j + i·c] = src[i + j·r]. Blocked so both sides stay in cache.
 */
function transposeInto(out: MatData, src: MatData, r: number, c: number): void {
  const B = 32;
  for (let j0 = 0; j0 < c; j0 += B) {
    const j1 = Math.min(c, j0 + B);
    for (let i0 = 0; i0 < r; i0 += B) {
      const i1 = Math.min(r, i0 + B);
      for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) out[j + i * c] = src[i + j * r]!;
    }
  }
}

function swapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let k = 0; k < bytes.length; k += size) for (let b = 0; b < size; b++) out[k + b] = bytes[k + size - 1 - b]!;
  return out;
}

// ---------------------------------------------------------------------------------------------
// the header's Python literal: {'key': value, ...} with strings, True/False, ints, tuples

type Literal = string | boolean | number[] | { list: true };

function parseDict(text: string): Map<string, Literal> {
  let i = 0;
  const bad = (what: string): never => {
    throw new FileFormatError(`.npy header is not a valid dict literal: ${what} at offset ${i} of ${JSON.stringify(text.slice(0, 120))}`, 'header');
  };
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const eat = (c: string): boolean => {
    ws();
    if (text[i] === c) {
      i++;
      return true;
    }
    return false;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') return bad('expected a string');
    const end = text.indexOf(q, i + 1);
    if (end < 0) bad('unterminated string');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const int = (): number => {
    ws();
    const m = /^\d+L?/.exec(text.slice(i, i + 24));
    if (!m) return bad('expected a non-negative integer');
    i += m[0].length;
    const v = Number(m[0].replace('L', ''));
    if (!Number.isSafeInteger(v)) bad('dimension too large');
    return v;
  };
  const value = (): Literal => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (text.startsWith('True', i)) return (i += 4), true;
    if (text.startsWith('False', i)) return (i += 5), false;
    if (c === '(') {
      i++;
      const dims: number[] = [];
      while (!eat(')')) {
        dims.push(int());
        if (!eat(',')) {
          if (!eat(')')) bad("expected ',' or ')'");
          break;
        }
      }
      return dims;
    }
    if (c === '[') {
      // a structured dtype: skip to the matching bracket; reported as an unsupported dtype
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === '[') depth++;
        else if (text[i] === ']' && --depth === 0) break;
      }
      i++;
      return { list: true };
    }
    return bad('expected a value');
  };
  const out = new Map<string, Literal>();
  if (!eat('{')) bad("expected '{'");
  while (!eat('}')) {
    const k = str();
    if (!eat(':')) bad("expected ':'");
    out.set(k, value());
    if (!eat(',')) {
      if (!eat('}')) bad("expected ',' or '}'");
      break;
    }
  }
  ws();
  if (i !== text.length) bad('unexpected text after the dict');
  return out;
}
