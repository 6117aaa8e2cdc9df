import type { Mat } from '../mat/mat.js';
import type { Assembly } from '../plan/assembly.js';

/**
 * The seam between the mathematics and the devices (as in TensorFlow.js: ops are
 * backend-independent, each backend implements the same kernels). Nothing above this file knows
 * which device runs a plan.
 *
 * A `Tensor` is a batch of equally shaped matrices, each stored column-major, slices contiguous:
 * element (b, i, j) lives at `b·rows·cols + i + j·rows`. Batch 1 broadcasts against any batch.
 */
export interface Tensor {
  readonly batch: number;
  readonly rows: number;
  readonly cols: number;
}

export type BackendName = 'cpu' | 'webgpu' | 'gpujs';
export type Layout = 'denominator' | 'numerator';

/**
 * One Kronecker-family term of a numerator Jacobian J (pq×mn) of F with respect to X (m×n),
 * materialised (its factors are numbers now). It stands for
 *   dF = α · S ⊙ (A (C ⊙ dX) B)        J = α · diag(vec S) (Bᵀ ⊗ A) diag(vec C)
 * or, with `transposed`,
 *   dF = α · S ⊙ (A (C ⊙ dXᵀ) B)       J = α · diag(vec S) (Bᵀ ⊗ A) diag(vec C) K_mn
 * Entry-wise, with r = k + l·p and c = i + j·m:
 *   J[r, c] = α · S[k,l] · A[k,i] · C[i,j] · B[j,l]          (not transposed)
 *   J[r, c] = α · S[k,l] · A[k,j] · C[j,i] · B[i,l]          (transposed)
 * A null factor is the identity (A = I needs p = m, or p = n when transposed); a null scaling is all ones.
 */
export interface KronTerm {
  readonly kind: 'kron';
  readonly alpha: number;
  readonly A: Mat | null;
  readonly B: Mat | null;
  readonly C: Mat | null;
  readonly S: Mat | null;
  readonly transposed: boolean;
}

/** A rank-one term: `vec(dF) = α · vec(U) <V, dX>_F`, i.e. `J = α · vec(U) vec(V)ᵀ`. */
export interface OuterTerm {
  readonly kind: 'outer';
  readonly alpha: number;
  readonly U: Mat;
  readonly V: Mat;
}

export type Term = KronTerm | OuterTerm;

/** The shape of a Jacobian assembly: F is p×q (any reshape with pq entries), X is m×n. */
export interface JacobianShape {
  readonly m: number;
  readonly n: number;
  readonly p: number;
  readonly q: number;
}

/** What a device found out about a result's entries itself, before reading it back (see `readChecked`). */
export interface FiniteScan {
  /** How many entries are ±Inf or NaN. */
  readonly nonFinite: number;
  /** The vec index of the first of them; −1 when there is none. */
  readonly first: number;
}

export interface Backend {
  readonly name: BackendName;
  /** 'f64' for the CPU reference, 'f32' on GPUs. */
  readonly precision: 'f32' | 'f64';
  /** Human-readable device description (adapter vendor/architecture, or 'cpu'). */
  readonly device: string;
  /**
   * The backend's 'auto' preference: why 'auto' should pass this working instance by for the next
   * backend in line (undefined: take it). Asked for by name, a backend runs regardless.
   */
  autoPassOver?(): string | undefined;

  /** A batch of one matrix, or of several equally shaped matrices. */
  upload(mats: Mat | readonly Mat[]): Tensor;
  /** The mn unit matrices E_t (t = 0..mn−1, vec order) of an m×n input: slice t has a 1 at vec index t. */
  unitBatch(m: number, n: number): Tensor;
  /** `op(a) · op(b)` per slice; op = transpose when the flag is set. Batch 1 broadcasts. */
  matmul(a: Tensor, b: Tensor, transA?: boolean, transB?: boolean): Tensor;
  /** Elementwise a ∘ b; batch 1 broadcasts, and a 1×1 slice broadcasts over the matrix. */
  elementwise(op: 'add' | 'sub' | 'mul' | 'div', a: Tensor, b: Tensor): Tensor;
  /** α · a. */
  scale(a: Tensor, alpha: number): Tensor;
  /** Transpose of each slice. */
  transpose(a: Tensor): Tensor;
  /** Per slice: `vec(out)[k] = idx[k] >= 0 ? vec(a)[idx[k]] : 0`, out is rows×cols. */
  gather(a: Tensor, idx: Int32Array, rows: number, cols: number): Tensor;
  /** Block matrix `[a, b; c, d]` of tensors per slice (blocks in a row share rows, in a column share cols). */
  concat(blocks: readonly (readonly Tensor[])[]): Tensor;
  /** `a ⊗ b` per slice. */
  kron(a: Tensor, b: Tensor): Tensor;
  /** Sum of all entries of each slice: batch×1×1. */
  sumAll(a: Tensor): Tensor;
  /**
   * The batch as one matrix: slice t becomes column t (rows·cols × batch), or row t with
   * `transposed` (batch × rows·cols). Forward mode's tangents are the columns of the numerator
   * Jacobian; reverse mode's cotangent pullbacks are the columns of the denominator one.
   */
  stack(a: Tensor, transposed: boolean): Tensor;
  /**
   * Writes an assembly (Σ terms, + its `add` tile) into a fresh tensor: columns
   * [col0, col0 + count) of the Jacobian in the assembly's layout (numerator pq×mn, denominator
   * mn×pq), one pass over the output, never a transpose afterwards. The assembly is resolved and
   * validated by plan/assembly.ts; a backend only checks that `add` is its own tensor.
   */
  assemble(a: Assembly): Tensor;
  /** Reads a batch-1 tensor back as a Mat (Float32Array on GPUs). One readback per plan. */
  read(t: Tensor): Promise<Mat>;
  /**
   * `read`, with the result's finiteness established on the device (one reduction before the
   * readback, a few bytes back with the result), so that nobody scans the matrix on the host.
   * Optional: where a backend lacks it, the plan scans what `read` returns.
   */
  readChecked?(t: Tensor): Promise<{ readonly mat: Mat; readonly scan: FiniteScan }>;
  /** Frees a tensor's memory (a no-op where garbage collection does it). */
  dispose(t: Tensor): void;
  /** Waits until all submitted work has finished (for benchmarks: the result is on the device). */
  sync(): Promise<void>;
}
