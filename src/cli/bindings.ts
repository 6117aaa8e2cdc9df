import { FileFormatError, InvalidArgumentError, IoError, ParseError, TooLargeError } from '../errors.js';
import { check } from '../expr/check.js';
import { evaluateNode } from '../expr/eval.js';
import { parse } from '../expr/parse.js';
import { Mat, checkSize } from '../mat/mat.js';
import { fromNpy } from '../io/npy.js';

/**
 * Parses the CLI's `--at` text: `X=[1 2;3 4], A=rand(3,3), t=0.5`. Each value is a constant
 * expression of the grammar (`[1 2; 3 4]'`, `2*[1;2]`), or a generator: `rand(m,n)` (uniform
 * in [-1,1)), `randn(m,n)`, `randspd(n)` (symmetric positive definite), `eye(n)`, `zeros(m,n)`,
 * `ones(m,n)`, or `@file.npy`: a NumPy .npy file (float32/float64, 1-D or 2-D, either order).
 * Generators are seeded (`seed`), so a command line always means the same matrices.
 * `readFile` reads `@file` values (the command line passes node:fs's readFileSync; this module
 * stays free of node:fs because the browser demo parses its inputs with it too).
 */
export function parseBindings(text: string, seed = 1, readFile?: (path: string) => Uint8Array): Record<string, Mat> {
  const out: Record<string, Mat> = Object.create(null) as Record<string, Mat>;
  let k = 0;
  for (const part of splitTopLevel(text)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new InvalidArgumentError(`--at: expected name=value, got '${part.trim()}'`);
    const name = part.slice(0, eq).trim();
    if (!/^[A-Za-z_]\w*$/.test(name)) throw new InvalidArgumentError(`--at: '${name}' is not a name`);
    if (Object.hasOwn(out, name)) throw new InvalidArgumentError(`--at: '${name}' is given twice`);
    out[name] = valueOf(part.slice(eq + 1).trim(), seed + 7919 * k++, name, readFile);
  }
  return out;
}

/** Splits on commas that are outside brackets and parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim().length > 0);
}

function valueOf(src: string, seed: number, name: string, readFile?: (path: string) => Uint8Array): Mat {
  if (src.startsWith('@')) return readNpyValue(src.slice(1).trim(), name, readFile);
  const gen = /^(rand|randn|randspd|eye|zeros|ones)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(src);
  if (gen) {
    const m = Number(gen[2]);
    const n = gen[3] === undefined ? m : Number(gen[3]);
    checkSize(m, n, `--at ${name}=${src}`);
    if (gen[1] === 'randspd' && m > 2000) throw new TooLargeError(`--at ${name}=${src}: randspd(n) takes O(n³) time; n ≤ 2000 here (load a larger matrix with @file.npy)`, m * m * 8);
    switch (gen[1]) {
      case 'rand':
        return Mat.random(m, n, { seed });
      case 'randn':
        return Mat.random(m, n, { seed, dist: 'normal' });
      case 'randspd': {
        if (gen[3] !== undefined && m !== n) throw new InvalidArgumentError(`--at: randspd(n) is square`);
        const G = Mat.random(m, m, { seed });
        const S = Mat.zeros(m, m);
        for (let j = 0; j < m; j++)
          for (let i = 0; i < m; i++) {
            let s = i === j ? m : 0;
            for (let k = 0; k < m; k++) s += G.data[i + k * m]! * G.data[j + k * m]!;
            S.data[i + j * m] = s;
          }
        return S;
      }
      case 'eye':
        if (m !== n) throw new InvalidArgumentError(`--at: eye(n) is square`);
        return Mat.eye(m);
      case 'zeros':
        return Mat.zeros(m, n);
      default:
        return Mat.fromColumnMajor(m, n, new Float64Array(m * n).fill(1));
    }
  }
  try {
    const node = check(parse(src), {});
    return evaluateNode(node, {});
  } catch (e) {
    if (e instanceof ParseError) throw new ParseError(`--at ${name}=${src}: ${e.message}`, e.pos, e.expected);
    throw e;
  }
}

/** `@file.npy`: the matrix stored there (float32 data is widened to float64, like every input). */
function readNpyValue(file: string, name: string, readFile?: (path: string) => Uint8Array): Mat {
  if (file === '') throw new InvalidArgumentError(`--at ${name}=@: give a .npy file after '@'`);
  if (!readFile) throw new InvalidArgumentError(`${name}=@${file}: files can be read only from the command line`);
  let bytes: Uint8Array;
  try {
    bytes = readFile(file);
  } catch (e) {
    throw new IoError(`--at ${name}=@${file}: cannot read the file: ${(e as Error).message}`, file, (e as { code?: string }).code);
  }
  try {
    return fromNpy(bytes).toFloat64();
  } catch (e) {
    if (e instanceof FileFormatError) throw new FileFormatError(`--at ${name}=@${file}: ${e.message}`, e.reason);
    throw e;
  }
}
