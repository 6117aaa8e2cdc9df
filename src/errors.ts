/**
 * Every failure matjac reports is a MatjacError with a stable `code`, so callers can branch on
 * the kind of problem without parsing messages. Nothing returns a wrong number silently.
 */
export type ErrorCode =
  | 'E_SHAPE'
  | 'E_SINGULAR'
  | 'E_NOT_SQUARE'
  | 'E_NON_FINITE'
  | 'E_INVALID_ARGUMENT'
  | 'E_UNKNOWN_OPTION'
  | 'E_PARSE'
  | 'E_UNKNOWN_NAME'
  | 'E_DOMAIN'
  | 'E_TOO_LARGE'
  | 'E_BACKEND_UNAVAILABLE'
  | 'E_DEVICE_LOST'
  | 'E_NOT_DIFFERENTIABLE'
  | 'E_NOT_SYMMETRIC'
  | 'E_NO_CONVERGENCE'
  | 'E_FILE_FORMAT'
  | 'E_IO';

export class MatjacError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

export type Shape = readonly [rows: number, cols: number];
export const fmtShape = (s: Shape): string => `${s[0]}×${s[1]}`;

/** Operands whose shapes do not fit; names both shapes (and where, when the text is known). */
export class ShapeError extends MatjacError {
  constructor(
    message: string,
    readonly shapes: readonly Shape[] = [],
    readonly pos?: number,
  ) {
    super('E_SHAPE', message);
  }
}

export class SingularMatrixError extends MatjacError {
  constructor(message: string) {
    super('E_SINGULAR', message);
  }
}

export class NotSquareError extends MatjacError {
  constructor(what: string, shape: Shape, readonly pos?: number) {
    super('E_NOT_SQUARE', `${what} needs a square matrix, got ${fmtShape(shape)}`);
  }
}

/** A NaN/Inf in an input, or a result that overflows; `precision` is the one that overflowed, when a result did. */
export class NonFiniteError extends MatjacError {
  constructor(message: string, readonly precision?: 'f32' | 'f64') {
    super('E_NON_FINITE', message);
  }
}

export class InvalidArgumentError extends MatjacError {
  constructor(message: string) {
    super('E_INVALID_ARGUMENT', message);
  }
}

export class UnknownOptionError extends MatjacError {
  constructor(option: string, allowed: readonly string[]) {
    super('E_UNKNOWN_OPTION', `unknown option '${option}' (known: ${allowed.join(', ')})`);
  }
}

/** A parse error: `pos` is the 0-based offset in the source text, `expected` what would have fit. */
export class ParseError extends MatjacError {
  constructor(
    message: string,
    readonly pos: number,
    readonly expected?: string,
  ) {
    super('E_PARSE', message);
  }
}

export class UnknownNameError extends MatjacError {
  constructor(readonly nameNotFound: string, readonly pos?: number) {
    super('E_UNKNOWN_NAME', `unknown name '${nameNotFound}'${pos !== undefined ? ` at position ${pos}` : ''}: bind it in 'at'`);
  }
}

/** The function is undefined at this input (log of a negative number, logdet with det ≤ 0, …). */
export class DomainError extends MatjacError {
  constructor(message: string) {
    super('E_DOMAIN', message);
  }
}

/** A result too large for memory or for the device; says how large and what to do instead. */
export class TooLargeError extends MatjacError {
  constructor(message: string, readonly bytes: number) {
    super('E_TOO_LARGE', message);
  }
}

export class BackendUnavailableError extends MatjacError {
  constructor(readonly backend: string, readonly reason: string) {
    super('E_BACKEND_UNAVAILABLE', `backend '${backend}' is unavailable: ${reason}`);
  }
}

export class DeviceLostError extends MatjacError {
  constructor(readonly backend: string, readonly reason: string) {
    super('E_DEVICE_LOST', `the ${backend} device was lost mid-run: ${reason}`);
  }
}

export class NotDifferentiableError extends MatjacError {
  constructor(message: string) {
    super('E_NOT_DIFFERENTIABLE', message);
  }
}

/** A matrix that must be symmetric is not, beyond rounding: names the largest asymmetry and where. */
export class NotSymmetricError extends MatjacError {
  constructor(
    message: string,
    readonly row: number,
    readonly col: number,
    readonly asymmetry: number,
  ) {
    super('E_NOT_SYMMETRIC', message);
  }
}

/** An iteration that did not reach its tolerance within its iteration limit (and cannot return a partial answer). */
export class ConvergenceError extends MatjacError {
  constructor(message: string) {
    super('E_NO_CONVERGENCE', message);
  }
}

/** Why a file is not a .npy matjac can read (see `FileFormatError.reason`). */
export type FileFormatReason = 'magic' | 'version' | 'header' | 'dtype' | 'endian' | 'ndim' | 'truncated' | 'size' | 'mismatch';

/** A file that is not a readable NumPy .npy of float32/float64 with at most two dimensions. */
export class FileFormatError extends MatjacError {
  constructor(
    message: string,
    readonly reason: FileFormatReason,
  ) {
    super('E_FILE_FORMAT', message);
  }
}

/** A file could not be opened, read or written; `sysCode` is the system's code (ENOENT, EACCES, …). */
export class IoError extends MatjacError {
  constructor(
    message: string,
    readonly path: string,
    readonly sysCode?: string,
  ) {
    super('E_IO', message);
  }
}
