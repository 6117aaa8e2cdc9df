/**
 * .npy files on disk (Node only: this module imports node:fs and is reachable only from the
 * Node entry, src/node.ts, never from the browser one).
 *
 * A denominator-layout Jacobian is stored column-major, so its columns [c0, c0 + k) are the one
 * contiguous byte range `dataOffset + c0·rows·itemsize … + k·rows·itemsize` of a
 * `fortran_order: True` file: tiles are written into their ranges with positional writes, in
 * any order, by any number of processes.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FileFormatError, InvalidArgumentError, IoError } from '../errors.js';
import { Mat } from '../mat/mat.js';
import { NPY_PREAMBLE, dataBytes, dtypeOf, encodeNpyHeader, itemSize, matFromNpyData, npyHeaderLength, parseNpyHeader, type NpyDtype, type NpyHeader, type NpyWriteOptions } from './npy.js';

/** Largest single read or write (Node refuses lengths of 2 GiB and more). */
const CHUNK = 1 << 30;

/** Runs a file operation, turning system errors (ENOENT, EACCES, ENOSPC, …) into IoError. */
async function io<T>(path: string, what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof Error && 'code' in e && typeof e.code === 'string' && !(e instanceof FileFormatError)) {
      throw new IoError(`cannot ${what} '${path}': ${e.message}`, path, e.code);
    }
    throw e;
  }
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let off = 0; off < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, off, Math.min(CHUNK, bytes.length - off), position + off);
    off += bytesWritten;
  }
}

async function readAll(fh: FileHandle, into: Uint8Array, position: number): Promise<number> {
  let off = 0;
  while (off < into.length) {
    const { bytesRead } = await fh.read(into, off, Math.min(CHUNK, into.length - off), position + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off;
}

/**
 * Writes M to `path` as .npy (column-major data under `fortran_order: True`, written as it is:
 * no copy), under a temporary name renamed when complete: a failed write leaves no file.
 */
export async function saveNpy(path: string, M: Mat, opts: NpyWriteOptions = {}): Promise<void> {
  if (!(M instanceof Mat)) throw new InvalidArgumentError('saveNpy: the value to save must be a Mat');
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('saveNpy: the path must be a non-empty string');
  checkWriteVersion(opts.version);
  const file = await NpyColumnFile.open(path, { rows: M.rows, cols: M.cols, dtype: dtypeOf(M.data), ...(opts.version && { version: opts.version }) });
  try {
    await file.writeColumns(0, M);
  } catch (err) {
    await file.abort();
    throw err;
  }
  await file.close();
}

function checkWriteVersion(v: unknown): void {
  if (v !== undefined && v !== 1 && v !== 2) throw new InvalidArgumentError(`npy format version must be 1 or 2, got ${String(v)}`);
}

/** Reads the header of a .npy file (and checks the file's size against it). */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  return io(path, 'read', async () => {
    const fh = await open(path, 'r');
    try {
      return await headerOf(fh, path);
    } finally {
      await fh.close();
    }
  });
}

async function headerOf(fh: FileHandle, path: string): Promise<NpyHeader> {
  const size = (await fh.stat()).size;
  const pre = new Uint8Array(Math.min(NPY_PREAMBLE, size));
  await readAll(fh, pre, 0);
  const total = npyHeaderLength(pre);
  const head = new Uint8Array(Math.min(total, size));
  await readAll(fh, head, 0);
  const h = parseNpyHeader(head);
  const have = size - h.dataOffset;
  if (have < h.dataBytes) throw new FileFormatError(`truncated .npy file '${path}': a ${h.rows}×${h.cols} ${h.dtype} array needs ${h.dataBytes} data bytes, the file has ${have}`, 'truncated');
  if (have > h.dataBytes) throw new FileFormatError(`the .npy file '${path}' has ${have - h.dataBytes} bytes after the ${h.rows}×${h.cols} ${h.dtype} data`, 'size');
  return h;
}

/** Reads a .npy file into a Mat (column-major; C-order files are transposed). */
export async function loadNpy(path: string): Promise<Mat> {
  if (typeof path !== 'string') throw new InvalidArgumentError('loadNpy: the path must be a string');
  return io(path, 'read', async () => {
    const fh = await open(path, 'r');
    try {
      const h = await headerOf(fh, path);
      const data = new Uint8Array(h.dataBytes);
      await readAll(fh, data, h.dataOffset);
      return matFromNpyData(h, data);
    } finally {
      await fh.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// column tiles

export interface NpyColumnFileOptions {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: NpyDtype;
  /**
   * 'replace' (default): one writer; the file is written under a temporary name next to it and
   * takes its name only on `close()`, so a failed run never leaves a complete-looking file
   * (and an older file stays as it was). 'shared': the first process
   * to arrive creates it (atomically, with its full header and size); the others open it and
   * check that it holds the same shape and dtype, so any number of writers may share it.
   */
  readonly mode?: 'replace' | 'shared';
  /** 'shared' mode: how long to wait for another process to finish creating the file (ms, default 60 000). */
  readonly waitMs?: number;
  readonly version?: 1 | 2;
}

/**
 * A column-major rows×cols .npy file open for writing column tiles into their byte ranges.
 * `created` says whether this process created the file. `close()` when every tile is written,
 * `abort()` on failure.
 */
export class NpyColumnFile {
  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    readonly rows: number,
    readonly cols: number,
    readonly dtype: NpyDtype,
    readonly dataOffset: number,
    readonly created: boolean,
    /** 'replace' mode: the temporary name written until `close()`. */
    private readonly tempPath?: string,
  ) {}

  static async open(path: string, o: NpyColumnFileOptions): Promise<NpyColumnFile> {
    const { rows, cols, dtype } = o;
    if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols < 0) throw new InvalidArgumentError(`a .npy matrix needs non-negative integer dimensions, got ${rows}×${cols}`);
    const header = encodeNpyHeader(rows, cols, dtype, o.version ? { version: o.version } : {});
    const size = header.length + rows * cols * itemSize(dtype);
    return io(path, 'create', async () => {
      if (o.mode !== 'shared') {
        const temp = `${path}.${process.pid}-${Math.random().toString(36).slice(2, 8)}.partial`;
        const fh = await open(temp, 'wx');
        try {
          await initialise(fh, header, size);
        } catch (err) {
          await fh.close();
          await unlink(temp).catch(() => undefined);
          throw err;
        }
        return new NpyColumnFile(fh, path, rows, cols, dtype, header.length, true, temp);
      }
      let fh: FileHandle;
      try {
        fh = await open(path, 'wx'); // atomic: exactly one process creates it
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
        fh = await open(path, 'r+');
        try {
          const h = await waitForHeader(fh, path, o.waitMs ?? 60_000);
          if (h.rows !== rows || h.cols !== cols || h.dtype !== dtype || !h.fortranOrder) {
            throw new FileFormatError(
              `'${path}' already holds a ${h.rows}×${h.cols} ${h.dtype} array${h.fortranOrder ? '' : ' in C order'}; this run writes a ${rows}×${cols} ${dtype} one (Fortran order): remove the file or choose another`,
              'mismatch',
            );
          }
          return new NpyColumnFile(fh, path, rows, cols, dtype, h.dataOffset, false);
        } catch (err) {
          await fh.close();
          throw err;
        }
      }
      try {
        await initialise(fh, header, size);
      } catch (err) {
        await fh.close();
        await unlink(path).catch(() => undefined);
        throw err;
      }
      return new NpyColumnFile(fh, path, rows, cols, dtype, header.length, true);
    });
  }

  /** Byte offset of column `col0` in the file. */
  offsetOf(col0: number): number {
    return this.dataOffset + col0 * this.rows * itemSize(this.dtype);
  }

  /**
   * Writes `tile` (rows × count, column-major) as columns [col0, col0 + count): one positional
   * write of its bytes (converted first only when its dtype differs from the file's).
   */
  async writeColumns(col0: number, tile: Mat): Promise<void> {
    if (tile.rows !== this.rows || !Number.isInteger(col0) || col0 < 0 || col0 + tile.cols > this.cols) {
      throw new InvalidArgumentError(`a ${tile.rows}×${tile.cols} tile at column ${col0} does not fit the ${this.rows}×${this.cols} file '${this.path}'`);
    }
    const data = dtypeOf(tile.data) === this.dtype ? tile.data : this.dtype === 'float64' ? Float64Array.from(tile.data) : Float32Array.from(tile.data);
    await io(this.path, 'write', () => writeAll(this.fh, dataBytes(data), this.offsetOf(col0)));
  }

  /** Writes raw bytes at a file position (merging copies whole column blocks this way). */
  async writeBytes(position: number, bytes: Uint8Array): Promise<void> {
    await io(this.path, 'write', () => writeAll(this.fh, bytes, position));
  }

  /** Done: closes the file ('replace' mode: and gives it its name, replacing any older file). */
  async close(): Promise<void> {
    await this.fh.close();
    if (this.tempPath) await io(this.path, 'write', () => rename(this.tempPath!, this.path));
  }

  /** Failed: closes the file ('replace' mode: and removes it; an older file of that name stays as it was). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    if (this.tempPath) await unlink(this.tempPath).catch(() => undefined);
  }
}

/** Header first, then the full size (a sparse file where the filesystem allows). */
async function initialise(fh: FileHandle, header: Uint8Array, size: number): Promise<void> {
  await writeAll(fh, header, 0);
  await fh.truncate(size);
}

/**
 * Another process created the file: wait until its header and full size are there (the
 * creator writes the header, then sets the size), then return the header.
 */
async function waitForHeader(fh: FileHandle, path: string, waitMs: number): Promise<NpyHeader> {
  const t0 = Date.now();
  let last: unknown;
  for (let delay = 5; ; delay = Math.min(200, delay * 2)) {
    try {
      return await headerOf(fh, path);
    } catch (e) {
      // incomplete so far (a header being written, a size not yet set): wait; anything else is final
      if (!(e instanceof FileFormatError) || (e.reason !== 'truncated' && e.reason !== 'magic')) throw e;
      last = e;
    }
    if (Date.now() - t0 > waitMs) {
      const size = (await fh.stat()).size;
      throw new IoError(`'${path}' exists but stayed incomplete (${size} bytes: ${(last as Error).message}) for ${waitMs} ms: another writer may have failed; remove it and rerun`, path);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

// ---------------------------------------------------------------------------------------------
// merging per-tile files

/**
 * Joins .npy column blocks (each rows × kᵢ, in the order given) into one rows × Σkᵢ file, like
 * `np.hstack`, streaming: memory bounded by `chunkBytes`. C-order parts are refused (their
 * columns are not contiguous); 1-D parts are columns.
 */
export async function mergeNpy(out: string, parts: readonly string[], opts: { readonly chunkBytes?: number; readonly version?: 1 | 2 } = {}): Promise<{ rows: number; cols: number; dtype: NpyDtype }> {
  if (parts.length === 0) throw new InvalidArgumentError('merge: give at least one part file');
  const headers: NpyHeader[] = [];
  for (const p of parts) {
    const h = await readNpyHeader(p);
    if (!h.fortranOrder && h.rows > 1 && h.cols > 1) throw new FileFormatError(`merge: '${p}' is in C order; its columns are not contiguous (write it with fortran_order True)`, 'mismatch');
    const h0 = headers[0];
    if (h0 && (h.rows !== h0.rows || h.dtype !== h0.dtype)) {
      throw new FileFormatError(`merge: '${p}' is ${h.rows}×${h.cols} ${h.dtype}, but '${parts[0]}' has ${h0.rows} rows of ${h0.dtype}`, 'mismatch');
    }
    headers.push(h);
  }
  const { rows, dtype } = headers[0]!;
  const cols = headers.reduce((s, h) => s + h.cols, 0);
  if (parts.some((p) => resolve(p) === resolve(out))) throw new InvalidArgumentError(`merge: the output '${out}' is also a part`);
  const file = await NpyColumnFile.open(out, { rows, cols, dtype, ...(opts.version && { version: opts.version }) });
  const buf = new Uint8Array(Math.max(1 << 16, Math.min(opts.chunkBytes ?? 1 << 26, CHUNK)));
  try {
    let col0 = 0;
    for (let k = 0; k < parts.length; k++) {
      const h = headers[k]!;
      await io(parts[k]!, 'read', async () => {
        const fh = await open(parts[k]!, 'r');
        try {
          for (let off = 0; off < h.dataBytes; ) {
            const n = await readAll(fh, buf.subarray(0, Math.min(buf.length, h.dataBytes - off)), h.dataOffset + off);
            if (n === 0) throw new FileFormatError(`merge: '${parts[k]}' ended early`, 'truncated');
            await file.writeBytes(file.offsetOf(col0) + off, buf.subarray(0, n));
            off += n;
          }
        } finally {
          await fh.close();
        }
      });
      col0 += h.cols;
    }
  } catch (err) {
    await file.abort();
    throw err;
  }
  await file.close();
  return { rows, cols, dtype };
}
