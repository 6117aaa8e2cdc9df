/**
 * Float64 column kernels of the CPU Jacobian writer: one column of a scaled Kronecker product
 * `g · (X ⊗ Y)` (vec of `g · Y Xᵀ`, entry a·yLen + b = g·X[a]·Y[b]), optionally times a weight W,
 * written or accumulated in storage order, and the axpy-like pieces of identity factors.
 * The loops are unrolled by 8 (4 for strided ones): V8 spends several cycles of loop overhead per
 * iteration, so on a 2 GHz core an unrolled store runs at about 1 ns against 2.5 ns plain.
 */

/** out[o + a·yLen + b] = g · X[xo + a] · Y[yo + b]: one column of a Kronecker product, in storage order. */
export function kronWrite(out: Float64Array, o: number, X: Float64Array, xo: number, xLen: number, Y: Float64Array, yo: number, yLen: number, g: number): void {
  const y16 = yo + yLen - (yLen % 16);
  const y8 = yo + yLen - (yLen % 8);
  const yEnd = yo + yLen;
  let w = o;
  for (let a = 0; a < xLen; a++) {
    const h = g * X[xo + a]!;
    let b = yo;
    for (; b < y16; b += 16, w += 16) {
      out[w] = h * Y[b]!;
      out[w + 1] = h * Y[b + 1]!;
      out[w + 2] = h * Y[b + 2]!;
      out[w + 3] = h * Y[b + 3]!;
      out[w + 4] = h * Y[b + 4]!;
      out[w + 5] = h * Y[b + 5]!;
      out[w + 6] = h * Y[b + 6]!;
      out[w + 7] = h * Y[b + 7]!;
      out[w + 8] = h * Y[b + 8]!;
      out[w + 9] = h * Y[b + 9]!;
      out[w + 10] = h * Y[b + 10]!;
      out[w + 11] = h * Y[b + 11]!;
      out[w + 12] = h * Y[b + 12]!;
      out[w + 13] = h * Y[b + 13]!;
      out[w + 14] = h * Y[b + 14]!;
      out[w + 15] = h * Y[b + 15]!;
    }
    for (; b < y8; b += 8, w += 8) {
      out[w] = h * Y[b]!;
      out[w + 1] = h * Y[b + 1]!;
      out[w + 2] = h * Y[b + 2]!;
      out[w + 3] = h * Y[b + 3]!;
      out[w + 4] = h * Y[b + 4]!;
      out[w + 5] = h * Y[b + 5]!;
      out[w + 6] = h * Y[b + 6]!;
      out[w + 7] = h * Y[b + 7]!;
    }
    for (; b < yEnd; b++) out[w++] = h * Y[b]!;
  }
}

/**
 * kronWrite in register tiles: four blocks a..a+3 at a time (h0…h3 in registers), eight entries
 * of Y loaded once for the four of them, so a store costs a multiply and no load; the same values
 * as kronWrite. With `touch` (a buffer already in memory), the four blocks' cache lines are first
 * read, one entry per line, so they arrive in parallel (loads that miss overlap; the tile's
 * stores, four streams at once, would otherwise wait on each line in turn). A buffer never
 * written (fresh pages) is not touched: a read would map the zero page and fault twice.
 */
export function kronWriteTiled(out: Float64Array, o: number, X: Float64Array, xo: number, xLen: number, Y: Float64Array, yo: number, yLen: number, g: number, touch: boolean): void {
  const a4 = xLen - (xLen % 4);
  const y8 = yo + yLen - (yLen % 8);
  const yEnd = yo + yLen;
  let a = 0;
  for (; a < a4; a += 4) {
    const h0 = g * X[xo + a]!;
    const h1 = g * X[xo + a + 1]!;
    const h2 = g * X[xo + a + 2]!;
    const h3 = g * X[xo + a + 3]!;
    const w0 = o + a * yLen - yo;
    const w1 = w0 + yLen;
    const w2 = w1 + yLen;
    const w3 = w2 + yLen;
    if (touch) sink[0] = touchLines(out, w0 + yo, 4 * yLen);
    let b = yo;
    for (; b < y8; b += 8) {
      const y0 = Y[b]!;
      const y1 = Y[b + 1]!;
      const y2 = Y[b + 2]!;
      const y3 = Y[b + 3]!;
      const y4 = Y[b + 4]!;
      const y5 = Y[b + 5]!;
      const y6 = Y[b + 6]!;
      const y7 = Y[b + 7]!;
      let w = w0 + b;
      out[w] = h0 * y0;
      out[w + 1] = h0 * y1;
      out[w + 2] = h0 * y2;
      out[w + 3] = h0 * y3;
      out[w + 4] = h0 * y4;
      out[w + 5] = h0 * y5;
      out[w + 6] = h0 * y6;
      out[w + 7] = h0 * y7;
      w = w1 + b;
      out[w] = h1 * y0;
      out[w + 1] = h1 * y1;
      out[w + 2] = h1 * y2;
      out[w + 3] = h1 * y3;
      out[w + 4] = h1 * y4;
      out[w + 5] = h1 * y5;
      out[w + 6] = h1 * y6;
      out[w + 7] = h1 * y7;
      w = w2 + b;
      out[w] = h2 * y0;
      out[w + 1] = h2 * y1;
      out[w + 2] = h2 * y2;
      out[w + 3] = h2 * y3;
      out[w + 4] = h2 * y4;
      out[w + 5] = h2 * y5;
      out[w + 6] = h2 * y6;
      out[w + 7] = h2 * y7;
      w = w3 + b;
      out[w] = h3 * y0;
      out[w + 1] = h3 * y1;
      out[w + 2] = h3 * y2;
      out[w + 3] = h3 * y3;
      out[w + 4] = h3 * y4;
      out[w + 5] = h3 * y5;
      out[w + 6] = h3 * y6;
      out[w + 7] = h3 * y7;
    }
    for (; b < yEnd; b++) {
      const y = Y[b]!;
      out[w0 + b] = h0 * y;
      out[w1 + b] = h1 * y;
      out[w2 + b] = h2 * y;
      out[w3 + b] = h3 * y;
    }
  }
  if (a < xLen) kronWrite(out, o + a * yLen, X, xo + a, xLen - a, Y, yo, yLen, g);
}

/**
 * Four columns of Kronecker products sharing Y: out[o_j + a·yLen + b] = g_j · X[x_j + a] · Y[yo + b]
 * for j < 4 (o, x, g: four entries each). Eight entries of Y are loaded once for the four columns and each store costs a
 * multiply; the stores run as four sequential streams, one a column, which the hardware's
 * prefetchers follow (unlike kronWriteTiled's four streams within one column).
 */
export function kronWrite4(out: Float64Array, o: readonly number[], X: Float64Array, x: readonly number[], xLen: number, Y: Float64Array, yo: number, yLen: number, g: readonly number[]): void {
  const y8 = yo + yLen - (yLen % 8);
  const yEnd = yo + yLen;
  const o0 = o[0]!;
  const o1 = o[1]!;
  const o2 = o[2]!;
  const o3 = o[3]!;
  const x0 = x[0]!;
  const x1 = x[1]!;
  const x2 = x[2]!;
  const x3 = x[3]!;
  const g0 = g[0]!;
  const g1 = g[1]!;
  const g2 = g[2]!;
  const g3 = g[3]!;
  for (let a = 0; a < xLen; a++) {
    const h0 = g0 * X[x0 + a]!;
    const h1 = g1 * X[x1 + a]!;
    const h2 = g2 * X[x2 + a]!;
    const h3 = g3 * X[x3 + a]!;
    const d = a * yLen - yo;
    const w0 = o0 + d;
    const w1 = o1 + d;
    const w2 = o2 + d;
    const w3 = o3 + d;
    let b = yo;
    for (; b < y8; b += 8) {
      const y0 = Y[b]!;
      const y1 = Y[b + 1]!;
      const y2 = Y[b + 2]!;
      const y3 = Y[b + 3]!;
      const y4 = Y[b + 4]!;
      const y5 = Y[b + 5]!;
      const y6 = Y[b + 6]!;
      const y7 = Y[b + 7]!;
      let w = w0 + b;
      out[w] = h0 * y0;
      out[w + 1] = h0 * y1;
      out[w + 2] = h0 * y2;
      out[w + 3] = h0 * y3;
      out[w + 4] = h0 * y4;
      out[w + 5] = h0 * y5;
      out[w + 6] = h0 * y6;
      out[w + 7] = h0 * y7;
      w = w1 + b;
      out[w] = h1 * y0;
      out[w + 1] = h1 * y1;
      out[w + 2] = h1 * y2;
      out[w + 3] = h1 * y3;
      out[w + 4] = h1 * y4;
      out[w + 5] = h1 * y5;
      out[w + 6] = h1 * y6;
      out[w + 7] = h1 * y7;
      w = w2 + b;
      out[w] = h2 * y0;
      out[w + 1] = h2 * y1;
      out[w + 2] = h2 * y2;
      out[w + 3] = h2 * y3;
      out[w + 4] = h2 * y4;
      out[w + 5] = h2 * y5;
      out[w + 6] = h2 * y6;
      out[w + 7] = h2 * y7;
      w = w3 + b;
      out[w] = h3 * y0;
      out[w + 1] = h3 * y1;
      out[w + 2] = h3 * y2;
      out[w + 3] = h3 * y3;
      out[w + 4] = h3 * y4;
      out[w + 5] = h3 * y5;
      out[w + 6] = h3 * y6;
      out[w + 7] = h3 * y7;
    }
    for (; b < yEnd; b++) {
      const y = Y[b]!;
      out[w0 + b] = h0 * y;
      out[w1 + b] = h1 * y;
      out[w2 + b] = h2 * y;
      out[w3 + b] = h3 * y;
    }
  }
}

/** Where the sum of touchLines' reads goes, so that the reads are not optimised away. */
const sink = new Float64Array(1);

/** Reads out[o + 8k] for 8k < len (one entry per 64-byte line); returns their sum. */
function touchLines(out: Float64Array, o: number, len: number): number {
  let s = 0;
  const end = o + len;
  let w = o;
  for (; w + 24 < end; w += 32) s += out[w]! + out[w + 8]! + out[w + 16]! + out[w + 24]!;
  for (; w < end; w += 8) s += out[w]!;
  return s;
}

/** As kronWrite, times W[a·yLen + b]. */
export function kronWriteW(out: Float64Array, o: number, X: Float64Array, xo: number, xLen: number, Y: Float64Array, yo: number, yLen: number, W: Float64Array, g: number): void {
  const r = yLen % 8;
  let w = o;
  let s = 0;
  for (let a = 0; a < xLen; a++) {
    const h = g * X[xo + a]!;
    let b = yo;
    const y8 = yo + yLen - r;
    for (; b < y8; b += 8, w += 8, s += 8) {
      out[w] = h * Y[b]! * W[s]!;
      out[w + 1] = h * Y[b + 1]! * W[s + 1]!;
      out[w + 2] = h * Y[b + 2]! * W[s + 2]!;
      out[w + 3] = h * Y[b + 3]! * W[s + 3]!;
      out[w + 4] = h * Y[b + 4]! * W[s + 4]!;
      out[w + 5] = h * Y[b + 5]! * W[s + 5]!;
      out[w + 6] = h * Y[b + 6]! * W[s + 6]!;
      out[w + 7] = h * Y[b + 7]! * W[s + 7]!;
    }
    for (; b < y8 + r; b++) out[w++] = h * Y[b]! * W[s++]!;
  }
}

/** out[o + a·yLen + b] += g · X[xo + a] · Y[yo + b]. */
export function kronAdd(out: Float64Array, o: number, X: Float64Array, xo: number, xLen: number, Y: Float64Array, yo: number, yLen: number, g: number): void {
  for (let a = 0; a < xLen; a++) {
    const h = g * X[xo + a]!;
    if (h !== 0) blockAdd(out, o + a * yLen, Y, yo, yLen, h);
  }
}

/** As kronAdd, times W[a·yLen + b]. */
export function kronAddW(out: Float64Array, o: number, X: Float64Array, xo: number, xLen: number, Y: Float64Array, yo: number, yLen: number, W: Float64Array, g: number): void {
  for (let a = 0; a < xLen; a++) {
    const h = g * X[xo + a]!;
    if (h !== 0) blockAddW(out, o + a * yLen, Y, yo, W, a * yLen, yLen, h);
  }
}

/** out[o + b] += h · Y[yo + b], b < len. */
export function blockAdd(out: Float64Array, o: number, Y: Float64Array, yo: number, len: number, h: number): void {
  const e8 = o + len - (len % 8);
  const end = o + len;
  let w = o;
  let b = yo;
  for (; w < e8; w += 8, b += 8) {
    out[w]! += h * Y[b]!;
    out[w + 1]! += h * Y[b + 1]!;
    out[w + 2]! += h * Y[b + 2]!;
    out[w + 3]! += h * Y[b + 3]!;
    out[w + 4]! += h * Y[b + 4]!;
    out[w + 5]! += h * Y[b + 5]!;
    out[w + 6]! += h * Y[b + 6]!;
    out[w + 7]! += h * Y[b + 7]!;
  }
  for (; w < end; w++, b++) out[w]! += h * Y[b]!;
}

/** out[o + b] += h · Y[yo + b] · W[wo + b], b < len. */
export function blockAddW(out: Float64Array, o: number, Y: Float64Array, yo: number, W: Float64Array, wo: number, len: number, h: number): void {
  const e8 = o + len - (len % 8);
  const end = o + len;
  let w = o;
  let b = yo;
  let s = wo;
  for (; w < e8; w += 8, b += 8, s += 8) {
    out[w]! += h * Y[b]! * W[s]!;
    out[w + 1]! += h * Y[b + 1]! * W[s + 1]!;
    out[w + 2]! += h * Y[b + 2]! * W[s + 2]!;
    out[w + 3]! += h * Y[b + 3]! * W[s + 3]!;
    out[w + 4]! += h * Y[b + 4]! * W[s + 4]!;
    out[w + 5]! += h * Y[b + 5]! * W[s + 5]!;
    out[w + 6]! += h * Y[b + 6]! * W[s + 6]!;
    out[w + 7]! += h * Y[b + 7]! * W[s + 7]!;
  }
  for (; w < end; w++, b++, s++) out[w]! += h * Y[b]! * W[s]!;
}

/** out[o + a·stride] += g · X[xo + a] (· W[a·stride + wc]), a < len. */
export function stridedAdd(out: Float64Array, o: number, stride: number, X: Float64Array, xo: number, len: number, W: Float64Array | null, wc: number, g: number): void {
  if (W) {
    for (let a = 0; a < len; a++) out[o + a * stride]! += g * X[xo + a]! * W[a * stride + wc]!;
    return;
  }
  const e4 = xo + len - (len % 4);
  const end = xo + len;
  let w = o;
  let x = xo;
  const s2 = 2 * stride;
  const s3 = 3 * stride;
  const s4 = 4 * stride;
  for (; x < e4; x += 4, w += s4) {
    out[w]! += g * X[x]!;
    out[w + stride]! += g * X[x + 1]!;
    out[w + s2]! += g * X[x + 2]!;
    out[w + s3]! += g * X[x + 3]!;
  }
  for (; x < end; x++, w += stride) out[w]! += g * X[x]!;
}

/** out[o + r] += g · x[r], r < len. */
export function axpy(out: Float64Array, o: number, x: Float64Array, g: number, len: number): void {
  blockAdd(out, o, x, 0, len, g);
}

