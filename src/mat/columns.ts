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

