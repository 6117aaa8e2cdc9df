/**
 * "Download .npy": the result as a NumPy file (column-major data under fortran_order True, as
 * `toNpy` writes it), offered through a link with an object URL. Tests read what the link
 * holds through `window.__matjacDemo.download` (name, size) and the browser's download folder.
 */
import { toNpy, type Mat } from '../src/index.js';

export interface DownloadInfo {
  readonly name: string;
  readonly bytes: number;
}

let currentUrl: string | null = null;

/** The .npy bytes of a result held in memory. */
export function npyBlob(M: Mat): Blob {
  return new Blob([toNpy(M) as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
}

/** A file name for the result: jacobian-A_X_B-denominator.npy. */
export function npyName(kind: string, expr: string, layout: string): string {
  const slug = expr.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'f';
  return `${kind}-${slug}${kind === 'jacobian' ? `-${layout}` : ''}.npy`;
}

/** Points the link at `blob` (freeing the previous one) and shows it. */
export function offerDownload(link: HTMLAnchorElement, blob: Blob, name: string): DownloadInfo {
  if (currentUrl) URL.revokeObjectURL(currentUrl);
  currentUrl = URL.createObjectURL(blob);
  link.href = currentUrl;
  link.download = name;
  link.textContent = `Download ${name} (${blob.size.toLocaleString('en')} bytes)`;
  link.hidden = false;
  return { name, bytes: blob.size };
}

/** Hides the link (a run started or failed). */
export function withdrawDownload(link: HTMLAnchorElement): void {
  if (currentUrl) URL.revokeObjectURL(currentUrl);
  currentUrl = null;
  link.removeAttribute('href');
  link.hidden = true;
}
