// kron_assemble.wgsl — one pass writing Σ_t term_t (+ add) straight into a Jacobian tile.
//
// The terms come resolved by plan/assembly.ts: an output entry (row, col) of the layout has
// coordinates c = (x0, x1, y0, y1), row = x0 + x1·rMod, col = y0 + y1·cMod, and a term's value is
//   α · Π_f F[off_f + c·s_f] · Π_d [c[a_d] = c[b_d]]
// (up to 4 factor reads with strides s_f over the coordinates, up to 2 identity factors). For a
// Kronecker term J = α·diag(vec S)(Bᵀ⊗A)diag(vec C)[K_mn] the reads are S, A, C, B (an identity
// A or B is a comparison, never a matrix; K_mn is a swap of coordinates); an outer term
// J = α·vec(U)vec(V)ᵀ reads U and V.
// The output is a tile of consecutive columns starting at column col0 of the chosen layout;
// column length R (= pq or mn). Element e of the tile (column-major, e = row + R·col') is written
// by exactly one invocation, as part of a vec4 of 4 consecutive elements (a vec4 may straddle two
// columns). A workgroup covers WG·V consecutive vec4s, its invocations write consecutive vec4
// addresses (stride WG between an invocation's V vec4s), so the kernel is one coalesced pass of
// 16-byte stores over the output. Index tuples are advanced incrementally with host-computed
// steps (no division per element). Dispatch chunks start at multiples of 4 elements; the last
// vec4 of a tile may run into the buffer's padding (never into another chunk).
//
// Bindings (group 0):
//   @uniform Params      Params below (≤ 8 terms per dispatch; more terms → further dispatches with
//                        mode & 2: accumulate onto the output)
//   @read F              all factors packed; each term's strides let the host pack a factor
//                        transposed so the fastest-varying index reads consecutive addresses
//   @read addB: array<vec4<f32>>   the optional `add` tile (window from element addBase, a
//                        multiple of 4); bound to F and unused when absent
//   @write outBuf: array<vec4<f32>>   output window from tile element outBase (a multiple of 4)
// Overrides: WG (invocations per workgroup), V (vec4s per invocation),
// SPEC/NT/FL0..FL7 (optional specialisation on the terms' structure).

struct Term {
  alpha: f32,
  flags: u32,      // bit f (f < 4): read f present; bits 4, 5: identity 0, 1 present
  deltas: u32,     // identity d compares coordinates (deltas >> 4d) & 3 and (deltas >> (4d + 2)) & 3
  _p0: u32,
  off: vec4<u32>,  // offset in F of read 0..3
  s0: vec4<u32>,   // strides of read 0 over (x0, x1, y0, y1)
  s1: vec4<u32>,
  s2: vec4<u32>,
  s3: vec4<u32>,
}

struct Params {
  count: u32,   // elements written by this dispatch (rounded up to vec4s)
  e0: u32,      // first tile element of this dispatch (a multiple of 4)
  outBase: u32, // tile element at which the out binding starts
  addBase: u32, // tile element at which the add binding starts
  R: u32,       // column length of the output
  col0: u32,    // first column of the tile in the full layout
  nterms: u32,
  mode: u32,    // 1: add present, 2: accumulate onto out
  rMod: u32,    // row = x0 + x1·rMod   (numerator: p, denominator: m)
  rDiv: u32,    //                      (numerator: q, denominator: n)
  cMod: u32,    // col = y0 + y1·cMod   (numerator: m, denominator: p)
  _u0: u32,
  dR0: u32,     // the stride 4·WG as steps of (x0, x1, column): 4·WG mod R split by rMod, and
  dR1: u32,     //   4·WG / R split into dC0 = (4·WG / R) mod cMod, dC1 = (4·WG / R) / cMod
  dC0: u32,
  dC1: u32,
  _u1: u32,
  _q0: u32,
  _q1: u32,
  _q2: u32,
  terms: array<Term, 8>,
}

override WG: u32 = 256;
override V: u32 = 8;
// Specialisation (optional): with SPEC, the term count and each term's flags are pipeline
// constants, so the driver unrolls the term loop and drops the branches of absent factors.
override SPEC: bool = false;
override NT: u32 = 0u;
override FL0: u32 = 0u;
override FL1: u32 = 0u;
override FL2: u32 = 0u;
override FL3: u32 = 0u;
override FL4: u32 = 0u;
override FL5: u32 = 0u;
override FL6: u32 = 0u;
override FL7: u32 = 0u;

// Term t's value at coordinates c; `fl` is its flags. Fields are read one by one from the uniform
// (with a constant t they become constant-bank operands).
fn termValue(t: u32, fl: u32, c: vec4<u32>) -> f32 {
  var v = P.terms[t].alpha;
  if ((fl & 1u) != 0u) { v = v * F[P.terms[t].off.x + dot(c, P.terms[t].s0)]; }
  if ((fl & 2u) != 0u) { v = v * F[P.terms[t].off.y + dot(c, P.terms[t].s1)]; }
  if ((fl & 4u) != 0u) { v = v * F[P.terms[t].off.z + dot(c, P.terms[t].s2)]; }
  if ((fl & 8u) != 0u) { v = v * F[P.terms[t].off.w + dot(c, P.terms[t].s3)]; }
  let d = P.terms[t].deltas;
  if ((fl & 16u) != 0u) { v = select(0.0, v, c[d & 3u] == c[(d >> 2u) & 3u]); }
  if ((fl & 32u) != 0u) { v = select(0.0, v, c[(d >> 4u) & 3u] == c[(d >> 6u) & 3u]); }
  return v;
}

fn sumTerms(x0: u32, x1: u32, y0: u32, y1: u32) -> f32 {
  let c = vec4<u32>(x0, x1, y0, y1);
  var acc = 0.0;
  if (SPEC) {
    // unrolled with constant term indices and flags
    if (NT > 0u) { acc = acc + termValue(0u, FL0, c); }
    if (NT > 1u) { acc = acc + termValue(1u, FL1, c); }
    if (NT > 2u) { acc = acc + termValue(2u, FL2, c); }
    if (NT > 3u) { acc = acc + termValue(3u, FL3, c); }
    if (NT > 4u) { acc = acc + termValue(4u, FL4, c); }
    if (NT > 5u) { acc = acc + termValue(5u, FL5, c); }
    if (NT > 6u) { acc = acc + termValue(6u, FL6, c); }
    if (NT > 7u) { acc = acc + termValue(7u, FL7, c); }
    return acc;
  }
  for (var t = 0u; t < P.nterms; t = t + 1u) {
    acc = acc + termValue(t, P.terms[t].flags, c);
  }
  return acc;
}

// one element forward in column-major order
fn step1(a0: ptr<function, u32>, a1: ptr<function, u32>, b0: ptr<function, u32>, b1: ptr<function, u32>) {
  *a0 = *a0 + 1u;
  if (*a0 == P.rMod) {
    *a0 = 0u;
    *a1 = *a1 + 1u;
    if (*a1 == P.rDiv) {
      *a1 = 0u;
      *b0 = *b0 + 1u;
      if (*b0 == P.cMod) {
        *b0 = 0u;
        *b1 = *b1 + 1u;
      }
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let nvec = (P.count + 3u) / 4u;
  let first = (wid.x + wid.y * nwg.x) * (WG * V) + lid; // vec4 index within this dispatch
  if (first >= nvec) {
    return;
  }
  let e = P.e0 + 4u * first;
  let row = e % P.R;
  let col = P.col0 + e / P.R;
  var x0 = row % P.rMod;
  var x1 = row / P.rMod;
  var y0 = col % P.cMod;
  var y1 = col / P.cMod;
  let ob = (P.e0 - P.outBase) / 4u;
  let ab = (P.e0 - P.addBase) / 4u;
  for (var s = 0u; s < V; s = s + 1u) {
    let loc = first + s * WG;
    if (loc >= nvec) {
      break;
    }
    // the 4 consecutive elements: (x0, x1, y0, y1) advanced by one element at a time
    var a0 = x0;
    var a1 = x1;
    var b0 = y0;
    var b1 = y1;
    var acc = vec4<f32>(0.0);
    if ((P.mode & 1u) != 0u) {
      acc = addB[ab + loc];
    }
    if ((P.mode & 2u) != 0u) {
      acc = acc + outBuf[ob + loc];
    }
    acc.x = acc.x + sumTerms(a0, a1, b0, b1);
    step1(&a0, &a1, &b0, &b1);
    acc.y = acc.y + sumTerms(a0, a1, b0, b1);
    step1(&a0, &a1, &b0, &b1);
    acc.z = acc.z + sumTerms(a0, a1, b0, b1);
    step1(&a0, &a1, &b0, &b1);
    acc.w = acc.w + sumTerms(a0, a1, b0, b1);
    outBuf[ob + loc] = acc;
    // advance (x0, x1, y0, y1) by 4·WG elements
    x0 = x0 + P.dR0;
    x1 = x1 + P.dR1;
    var carry = 0u;
    if (x0 >= P.rMod) {
      x0 = x0 - P.rMod;
      x1 = x1 + 1u;
    }
    if (x1 >= P.rDiv) {
      x1 = x1 - P.rDiv;
      carry = 1u;
    }
    y0 = y0 + P.dC0 + carry;
    y1 = y1 + P.dC1;
    if (y0 >= P.cMod) {
      y0 = y0 - P.cMod;
      y1 = y1 + 1u;
    }
  }
}
