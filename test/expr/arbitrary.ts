/**
 * Random well-typed expressions over the whole grammar (DESIGN.md §2), with bound values in a
 * safe domain, for property tests (parsing, shape inference, evaluation, derivatives).
 *
 * `genExpr(seed, opts)` is deterministic in `seed`; `arbExpr(opts)` wraps it for fast-check.
 * Each result is `{ text, env, shape, seed }`: `text` parses and checks against `env` to `shape`,
 * and evaluates to finite values. How the domain is kept safe:
 * - every subexpression is generated for a target shape and a value class: `unit` (entries in
 *   [-1, 1]), `pos` (entries positive and bounded away from 0) or `any`;
 * - `log`, `sqrt`, denominators of `./` and of `/` by a scalar, and bases of non-integer or negative `.^` are `pos`;
 *   `exp` only sees `unit` arguments (no overflow);
 * - `inv`, `det`, `logdet`, divisors of `/` and `\` and negative matrix powers only see well-conditioned square matrices
 *   with positive determinant: variables `W…` bound to `(n+1)·I + R` (R entries in [-½, ½], so
 *   strictly diagonally dominant), their transposes, products, inverses, squares, positive
 *   multiples and `W + 0.1·U` perturbations with U in `unit`;
 * - variables: `X…` entries in [-1, 1], `P…` entries in [0.5, 2], `W…` as above; a name encodes
 *   its class and shape (`X2_3_0` is the first 2×3 one).
 */
import fc from 'fast-check';
import type { Shape } from '../../src/errors.js';
import type { Ast } from '../../src/expr/ast.js';
import * as ex from '../../src/expr/build.js';
import { formatIndexSpec } from '../../src/expr/parse.js';
import { Mat, mulberry32 } from '../../src/mat/mat.js';

export interface GenOptions {
  /** Maximum nesting depth (default 4). */
  maxDepth?: number;
  /** Maximum row/column count of any subexpression (default 3). */
  maxDim?: number;
  /** The result's shape (default: random up to maxDim). */
  shape?: Shape;
  /** Leave out these productions (e.g. ['mpow', 'kron'] for cheaper derivative tests). */
  exclude?: readonly Production[];
}

export type Production =
  | 'add'
  | 'sub'
  | 'matmul'
  | 'scale'
  | 'hadamard'
  | 'ediv'
  | 'rdiv'
  | 'ldiv'
  | 'epow'
  | 'mpow'
  | 'neg'
  | 'transpose'
  | 'index'
  | 'slice'
  | 'sumdim'
  | 'mean'
  | 'dot'
  | 'norm1'
  | 'constants'
  | 'epowexpr'
  | 'logsumexp'
  | 'expm'
  | 'adj'
  | 'concat'
  | 'kron'
  | 'vec'
  | 'diag'
  | 'tr'
  | 'det'
  | 'logdet'
  | 'inv'
  | 'sum'
  | 'norm'
  | 'softmax'
  | 'exp'
  | 'log'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'sigmoid'
  | 'sqrt'
  | 'abs'
  | 'tan'
  | 'sinh'
  | 'cosh'
  | 'atan'
  | 'relu'
  | 'max'
  | 'min';

export interface GeneratedExpr {
  text: string;
  env: Record<string, Mat>;
  shape: Shape;
  seed: number;
}

type Kind = 'any' | 'unit' | 'pos';

class Gen {
  private readonly rand: () => number;
  readonly env: Record<string, Mat> = {};
  private readonly pools = new Map<string, string[]>();
  private readonly maxDim: number;
  private readonly excluded: ReadonlySet<Production>;

  constructor(
    private readonly seed: number,
    opts: GenOptions,
  ) {
    this.rand = mulberry32(seed);
    this.maxDim = opts.maxDim ?? 3;
    this.excluded = new Set(opts.exclude ?? []);
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  dim(): number {
    return this.int(1, this.maxDim);
  }
  ok(p: Production): boolean {
    return !this.excluded.has(p);
  }

  variable(prefix: 'X' | 'P' | 'W', m: number, n: number): string {
    const key = `${prefix}${m}_${n}`;
    const pool = this.pools.get(key) ?? [];
    this.pools.set(key, pool);
    if (pool.length > 0 && this.chance(0.6)) return this.pick(pool);
    const name = `${key}_${pool.length}`;
    pool.push(name);
    const s = (this.seed * 7919 + Object.keys(this.env).length * 104729 + 1) >>> 0;
    if (prefix === 'X') this.env[name] = Mat.random(m, n, { seed: s, lo: -1, hi: 1 });
    else if (prefix === 'P') this.env[name] = Mat.random(m, n, { seed: s, lo: 0.5, hi: 2 });
    else {
      const W = Mat.random(n, n, { seed: s, lo: -0.5, hi: 0.5 });
      for (let i = 0; i < n; i++) W.data[i + i * n]! += n + 1;
      this.env[name] = W;
    }
    return name;
  }

  number(kind: Kind): string {
    const v = kind === 'unit' ? this.pick([-1, -0.5, 0.25, 0.5, 1]) : kind === 'pos' ? this.pick([0.5, 1, 1.5, 2, 3]) : this.pick([-2, -1, 0.5, 1, 2, 3]);
    return v < 0 ? `(${v})` : String(v);
  }

  leaf(m: number, n: number, kind: Kind): string {
    if (m === 1 && n === 1 && this.chance(0.3)) return this.number(kind);
    return this.variable(kind === 'pos' ? 'P' : 'X', m, n);
  }

  /** Binary operator text with random (symmetric) spacing. */
  bin(a: string, op: string, b: string): string {
    return this.chance(0.5) ? `(${a} ${op} ${b})` : `(${a}${op}${b})`;
  }

  /** Operands for an elementwise op of result shape m×n: equal shapes or one 1×1 (broadcast). */
  ewShapes(m: number, n: number): [Shape, Shape] {
    const full: Shape = [m, n];
    const r = this.rand();
    if (r < 0.15) return [[1, 1], full];
    if (r < 0.3) return [full, [1, 1]];
    return [full, full];
  }

  divisorPair(m: number): [number, number] {
    const ds: number[] = [];
    for (let d = 1; d <= m; d++) if (m % d === 0) ds.push(d);
    const d = this.pick(ds);
    return [d, m / d];
  }

  split(m: number): number[] {
    if (m === 1 || this.chance(0.4)) return [m];
    const k = this.int(1, m - 1);
    return [k, m - k];
  }

  /** A well-conditioned n×n matrix with positive determinant. */
  wc(n: number, d: number): string {
    const W = (): string => this.variable('W', n, n);
    if (d <= 0 || this.chance(0.35)) return W();
    switch (this.int(0, 5)) {
      case 0:
        return `${this.wc(n, d - 1)}'`;
      case 1:
        return `(${W()} + 0.1 * ${this.gen(n, n, d - 1, 'unit')})`;
      case 2:
        return this.bin(this.wc(n, d - 2), '*', this.wc(n, d - 2));
      case 3:
        return this.ok('inv') ? `inv(${this.wc(n, d - 1)})` : W();
      case 4:
        return this.ok('mpow') ? `(${this.wc(n, d - 1)}^${this.pick([2, -1, -2])})` : W();
      default:
        return `(${this.pick([2, 0.5])} * ${this.wc(n, d - 1)})`;
    }
  }

  gen(m: number, n: number, d: number, kind: Kind): string {
    if (d <= 0 || this.chance(0.2)) return this.leaf(m, n, kind);
    const opts: (() => string)[] = [];
    const add = (p: Production | null, f: () => string, weight = 1): void => {
      if (p === null || this.ok(p)) for (let w = 0; w < weight; w++) opts.push(f);
    };
    const sub = (mm: number, nn: number, k: Kind = kind): string => this.gen(mm, nn, d - 1, k);
    const square = m === n;
    const scalar = m === 1 && n === 1;

    // structure-preserving productions valid for every class
    add('transpose', () => `${sub(n, m)}'`);
    add('index', () => {
      if (!scalar) return this.leaf(m, n, kind);
      const p = this.dim();
      const q = this.dim();
      let src = sub(p, q);
      if (/^[0-9]/.test(src)) src = `(${src})`;
      return this.chance(0.5) ? `${src}(${this.int(1, p * q)})` : `${src}(${this.int(1, p)}, ${this.int(1, q)})`;
    });
    add('slice', () => {
      // a submatrix of a larger operand by ranges (`:`, `lo:hi`, `lo:end`, `end-k:end`)
      const p = m + this.int(0, 1);
      const q = n + this.int(0, 1);
      const range = (len: number, size: number): string => {
        if (len === size && this.chance(0.5)) return ':';
        const lo = this.int(1, size - len + 1);
        const hi = lo + len - 1;
        if (hi === size && this.chance(0.5)) return len === 1 ? 'end' : `end-${len - 1}:end`;
        return `${lo}:${hi}`;
      };
      let src = sub(p, q);
      if (/^[0-9]/.test(src)) src = `(${src})`;
      return `${src}(${range(m, p)}, ${range(n, q)})`;
    });
    add('vec', () => {
      if (n !== 1) return this.leaf(m, n, kind);
      const [p, q] = this.divisorPair(m);
      return `vec(${sub(p, q)})`;
    });
    add('concat', () => {
      const rows = this.split(m).map((h) => {
        const els = this.split(n).map((w) => sub(h, w));
        return els.join(this.chance(0.5) ? ', ' : ' ');
      });
      return `[${rows.join(this.chance(0.8) ? '; ' : '\n')}]`;
    });
    add('kron', () => {
      const [m1, m2] = this.divisorPair(m);
      const [n1, n2] = this.divisorPair(n);
      return `kron(${sub(m1, n1)}, ${sub(m2, n2)})`;
    });

    if (kind === 'unit') {
      for (const f of ['sin', 'cos', 'tanh', 'sigmoid'] as const) add(f, () => `${f}(${sub(m, n, 'any')})`);
      add('softmax', () => `softmax(${sub(m, n, 'any')})`);
      add('neg', () => `(-${sub(m, n)})`);
      add('abs', () => `abs(${sub(m, n)})`);
      add('relu', () => `relu(${sub(m, n)})`);
      for (const f of ['max', 'min'] as const) add(f, () => `${f}(${this.ewShapes(m, n).map((s) => sub(...s)).join(', ')})`);
      add('hadamard', () => {
        const [sa, sb] = this.ewShapes(m, n);
        return this.bin(sub(...sa), '.*', sub(...sb));
      });
      add('diag', () => (square && m > 1 ? `diag(${this.chance(0.5) ? sub(m, 1) : sub(1, m)})` : this.leaf(m, n, kind)));
    } else if (kind === 'pos') {
      add('exp', () => `exp(${sub(m, n, 'unit')})`, 2);
      add('cosh', () => `cosh(${sub(m, n, 'unit')})`);
      add('sigmoid', () => `sigmoid(${sub(m, n, 'unit')})`);
      add('softmax', () => `softmax(${sub(m, n, 'unit')})`);
      add('sqrt', () => `sqrt(${sub(m, n)})`);
      add('abs', () => `abs(${sub(m, n)})`);
      add('max', () => `max(${sub(m, n, 'any')}, ${sub(m, n)})`);
      add('min', () => `min(${this.ewShapes(m, n).map((s) => sub(...s)).join(', ')})`);
      for (const [p, op] of [
        ['add', '+'],
        ['hadamard', '.*'],
        ['ediv', './'],
      ] as const) {
        add(p, () => {
          const [sa, sb] = this.ewShapes(m, n);
          return this.bin(sub(...sa), op, sub(...sb));
        });
      }
      add('scale', () => this.bin(sub(1, 1), '*', sub(m, n)));
      add('rdiv', () => this.bin(sub(m, n), '/', sub(1, 1)));
      add('epow', () => `(${sub(m, n)}.^${this.pick(['2', '0.5', '-1', '-0.5', '1.5'])})`);
      add('epowexpr', () => `(${sub(m, n)}.^${this.chance(0.5) ? sub(m, n, 'unit') : `(${sub(1, 1, 'unit')})`})`);
      if (scalar) {
        add('mpow', () => `(${sub(1, 1)}^${this.pick(['2', '0.5', '-1', '-1.5'])})`);
        add('norm', () => `norm(${sub(this.dim(), this.dim())})`);
        add('sum', () => `sum(${sub(this.dim(), this.dim())})`);
        add('tr', () => {
          const k = this.dim();
          return `tr(${sub(k, k)})`;
        });
        add('det', () => `det(${this.wc(this.dim(), d - 1)})`);
      }
    } else {
      // any: the other classes, plus everything that can change sign or grow
      opts.push(() => sub(m, n, 'unit'), () => sub(m, n, 'pos'));
      add('neg', () => (this.chance(0.5) ? `(-${sub(m, n)})` : `(- ${sub(m, n)})`));
      for (const [p, op] of [
        ['add', '+'],
        ['sub', '-'],
        ['hadamard', '.*'],
      ] as const) {
        add(p, () => {
          const [sa, sb] = this.ewShapes(m, n);
          return this.bin(sub(...sa), op, sub(...sb));
        });
      }
      add('ediv', () => {
        const [sa, sb] = this.ewShapes(m, n);
        return this.bin(sub(...sa), './', this.gen(sb[0], sb[1], d - 1, 'pos'));
      });
      add(
        'matmul',
        () => {
          const k = this.dim();
          return this.bin(sub(m, k), '*', sub(k, n));
        },
        2,
      );
      add('scale', () => (this.chance(0.5) ? this.bin(sub(1, 1), '*', sub(m, n)) : this.bin(sub(m, n), '*', sub(1, 1))));
      // A/B = A·B⁻¹ and A\B = A⁻¹B with well-conditioned B, A; or a positive scalar divisor
      add('rdiv', () => (this.chance(0.5) ? this.bin(sub(m, n), '/', this.gen(1, 1, d - 1, 'pos')) : this.bin(sub(m, n), '/', this.wc(n, d - 1))));
      add('ldiv', () => this.bin(this.wc(m, d - 1), '\\', sub(m, n)));
      add('epow', () => `(${sub(m, n)}.^${this.pick(['1', '2', '3'])})`);
      add('log', () => `log(${sub(m, n, 'pos')})`);
      add('sqrt', () => `sqrt(${sub(m, n, 'pos')})`);
      add('softmax', () => `softmax(${sub(m, n)})`);
      for (const f of ['sin', 'cos', 'tanh', 'sigmoid', 'atan'] as const) add(f, () => `${f}(${sub(m, n)})`);
      // tan, sinh, cosh of unit arguments stay bounded (|tan| ≤ tan 1)
      for (const f of ['tan', 'sinh', 'cosh'] as const) add(f, () => `${f}(${sub(m, n, 'unit')})`);
      add('exp', () => `exp(${sub(m, n, 'unit')})`);
      add('abs', () => `abs(${sub(m, n)})`);
      add('relu', () => `relu(${sub(m, n)})`);
      for (const f of ['max', 'min'] as const) add(f, () => `${f}(${this.ewShapes(m, n).map((s) => sub(...s)).join(', ')})`);
      if (square) {
        add('mpow', () => (this.chance(0.6) ? `(${sub(m, n)}^${this.pick(['0', '1', '2', '3'])})` : `(${this.wc(m, d - 1)}^${this.pick(['-1', '-2'])})`));
        add('inv', () => `inv(${this.wc(m, d - 1)})`);
        add('expm', () => `expm(${sub(m, n, 'unit')})`);
        add('adj', () => `adj(${this.wc(m, d - 1)})`);
        add('diag', () => (m > 1 ? `diag(${this.chance(0.5) ? sub(m, 1) : sub(1, m)})` : `diag(${sub(1, 1)})`));
        add('matmul', () => this.bin(this.wc(m, d - 1), '*', sub(m, n)));
      }
      if (n === 1 && m > 1) add('diag', () => `diag(${sub(m, m)})`);
      if (n === 1) add('sumdim', () => `${this.pick(['sum', 'mean'])}(${sub(m, this.dim())}, 2)`);
      if (m === 1) add('sumdim', () => `${this.pick(['sum', 'mean'])}(${sub(this.dim(), n)}, 1)`);
      add('constants', () => {
        const c = square && this.chance(0.5) ? `eye(${m})` : this.chance(0.5) ? `ones(${m}, ${n})` : 'pi';
        return this.bin(sub(m, n), this.pick(['+', '.*']), c);
      });
      if (scalar) {
        add('tr', () => {
          const k = this.dim();
          return `tr(${sub(k, k)})`;
        });
        add('det', () => {
          const k = this.dim();
          return `det(${this.chance(0.5) ? sub(k, k) : this.wc(k, d - 1)})`;
        });
        add('logdet', () => `logdet(${this.wc(this.dim(), d - 1)})`, 2);
        add('sum', () => `sum(${sub(this.dim(), this.dim())})`);
        add('norm', () => `norm(${sub(this.dim(), this.dim())})`);
        add('mean', () => `mean(${sub(this.dim(), this.dim())})`);
        add('logsumexp', () => `logsumexp(${sub(this.dim(), this.dim())})`);
        add('dot', () => {
          const k = this.dim();
          return `dot(${sub(k, 1)}, ${this.chance(0.5) ? sub(k, 1) : sub(1, k)})`;
        });
        add('norm1', () => `norm(${sub(this.dim(), 1)}, 1)`);
        add('mpow', () => `(${sub(1, 1)}^${this.pick(['0', '2', '3'])})`);
        add('mpow', () => `(${sub(1, 1, 'pos')}^-${this.pick(['1', '0.5'])})`);
      }
    }
    if (opts.length === 0) return this.leaf(m, n, kind);
    return this.pick(opts)();
  }
}

/** A random well-typed expression (deterministic in `seed`) and safe bindings for its names. */
export function genExpr(seed: number, opts: GenOptions = {}): GeneratedExpr {
  const g = new Gen(seed, opts);
  const shape: Shape = opts.shape ?? [g.dim(), g.dim()];
  const text = g.gen(shape[0], shape[1], opts.maxDepth ?? 4, 'any');
  return { text, env: g.env, shape, seed };
}

/** fast-check arbitrary over `genExpr`. */
export function arbExpr(opts: GenOptions = {}): fc.Arbitrary<GeneratedExpr> {
  return fc.integer({ min: 0, max: 0x7fffffff }).map((seed) => genExpr(seed, opts));
}

/** Rebuilds an Ast through the TS builder functions only (so builder ≡ parser can be checked on any Ast). */
export function rebuild(a: Ast): ex.E {
  switch (a.kind) {
    case 'name':
      return ex.sym(a.name);
    case 'num':
      return ex.num(a.value);
    case 'neg':
      return ex.neg(rebuild(a.a));
    case 'transpose':
      return ex.t(rebuild(a.a));
    case 'index':
      return ex.at(rebuild(a.a), a.i, a.j);
    case 'slice':
      return ex.index(rebuild(a.a), ...a.specs.map(formatIndexSpec));
    case 'end':
      throw new Error("'end' outside an index");
    case 'concat':
      return ex.concat(a.rows.map((r) => r.map(rebuild)));
    case 'call': {
      const args = a.args.map(rebuild);
      return ex.call(a.fn, ...args);
    }
    case 'binary': {
      const x = rebuild(a.a);
      const y = rebuild(a.b);
      const f = { '+': ex.add, '-': ex.sub, '*': ex.mul, '.*': ex.hadamard, './': ex.ediv, '/': ex.rdiv, '\\': ex.ldiv, '.^': ex.epow, '^': ex.mpow }[a.op];
      return f(x, y);
    }
  }
}
