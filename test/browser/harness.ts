/**
 * Browser test harness: bundle an entry with Vite, serve it from http://localhost, drive Debian's
 * Chromium with puppeteer-core, evaluate functions in the page, and always clean up.
 *
 * Typical use (one browser and one bundle per test file):
 *
 *   requireChromium();                                  // throws, saying how to install it, when missing
 *   let s: BrowserSession;
 *   beforeAll(async () => { s = await BrowserSession.start({ entry: 'test/browser/entries/x.ts', variant: 'no-webgpu' }); });
 *   afterAll(() => s?.close());
 *   it('...', async () => { const r = await s.evaluate((arg) => window.__x.run(arg), 42); ... });
 *
 * `evaluate` serialises the function with `toString()` and runs it in the page, so it must not
 * close over anything from the test file (pass data through `arg`, use what the entry put on
 * `window`); its result comes back through JSON (numbers, strings, arrays, plain objects).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type EvaluateFunc, type Page } from 'puppeteer-core';

/** The repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium's path when it is installed, else null. */
export function findChromium(): string | null {
  return existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : null;
}

/**
 * Chromium's path. The browser tests are part of `npm test` and never skip: a missing Chromium
 * is an error that says how to install it (`.ci/run` does).
 */
export function requireChromium(): string {
  const p = findChromium();
  if (p === null) {
    throw new Error(`browser tests need Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  }
  return p;
}

/**
 * 'webgpu': WebGPU on SwiftShader (Vulkan) — `navigator.gpu.requestAdapter()` gives an adapter.
 * 'no-webgpu': WebGPU disabled — `navigator.gpu` is absent or gives no adapter; WebGL2 works
 * (ANGLE on SwiftShader).
 */
export type BrowserVariant = 'webgpu' | 'no-webgpu';

const COMMON_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-dev-shm-usage',
  // Software WebGL must be opted into explicitly (its automatic fallback is deprecated).
  '--enable-unsafe-swiftshader',
];

const VARIANT_ARGS: Record<BrowserVariant, readonly string[]> = {
  webgpu: ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'],
  'no-webgpu': ['--disable-features=WebGPU', '--use-angle=swiftshader'],
};

/** The Chromium command-line flags for a variant (DESIGN.md §5), with a fresh profile directory. */
export function chromiumArgs(variant: BrowserVariant, userDataDir: string): string[] {
  return [...COMMON_ARGS, ...VARIANT_ARGS[variant], `--user-data-dir=${userDataDir}`];
}

// -------------------------------------------------------------------------------------------
// (a) bundle

export interface Bundle {
  /** The folder to serve: index.html, bundle.js and its chunks. */
  readonly dir: string;
  /** The page that loads the bundle (relative to `dir`). */
  readonly page: string;
  /** Removes the folder. */
  remove(): void;
}

export interface BuildOptions {
  /** Output folder (default: a fresh temporary one, removed by `remove()`). */
  readonly outDir?: string;
  /** Extra `define` replacements for Vite. */
  readonly define?: Record<string, string>;
  /** Minify (default false: keeps class names and stack traces readable). */
  readonly minify?: boolean;
}

/**
 * Bundles `entry` (a path relative to the repository root, or absolute) for the browser with
 * Vite 7's JS API in library mode (ES module, dynamic imports as chunks), and writes an
 * index.html that loads it and sets `window.__bundleLoaded` (or `window.__bundleError`).
 */
export async function buildBundle(entry: string, opts: BuildOptions = {}): Promise<Bundle> {
  const { build } = await import('vite');
  const entryPath = path.isAbsolute(entry) ? entry : path.join(REPO_ROOT, entry);
  const owned = opts.outDir === undefined;
  const dir = opts.outDir ?? mkdtempSync(path.join(os.tmpdir(), 'matjac-bundle-'));
  try {
    await build({
      configFile: false,
      root: REPO_ROOT,
      logLevel: 'silent',
      publicDir: false,
      define: opts.define ?? {},
      build: {
        outDir: dir,
        emptyOutDir: true,
        minify: opts.minify ?? false,
        target: 'es2022',
        sourcemap: false,
        reportCompressedSize: false,
        copyPublicDir: false,
        lib: { entry: entryPath, formats: ['es'], fileName: () => 'bundle.js' },
      },
    });
  } catch (e) {
    if (owned) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const html = PAGE_HTML(
    "import('./bundle.js').then(() => { window.__bundleLoaded = true; }, (e) => { window.__bundleError = String((e && e.stack) || e); });",
  );
  writeFileSync(path.join(dir, 'index.html'), html);
  return {
    dir,
    page: 'index.html',
    remove: () => {
      if (owned) rmSync(dir, { recursive: true, force: true });
    },
  };
}

const PAGE_HTML = (script: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>matjac browser test</title></head>
<body>
<script type="module">
${script}
</script>
</body></html>
`;

/** A folder with a page that loads nothing (for environment checks). */
export function emptyPage(): Bundle {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'matjac-page-'));
  writeFileSync(path.join(dir, 'index.html'), PAGE_HTML('window.__bundleLoaded = true;'));
  return { dir, page: 'index.html', remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// -------------------------------------------------------------------------------------------
// (b) serve

export interface StaticServer {
  /** `http://localhost:<port>/` (a secure context, so `navigator.gpu` exists). */
  readonly url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/**
 * Serves `dir` on an ephemeral port of 127.0.0.1 with `node:http`, cross-origin isolated
 * (COOP/COEP, so SharedArrayBuffer and wasm threads are available), nothing outside `dir`.
 */
export async function serveDir(dir: string): Promise<StaticServer> {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
        let file = path.resolve(root, '.' + pathname);
        if (file !== root && !file.startsWith(root + path.sep)) {
          res.writeHead(403).end();
          return;
        }
        if ((await stat(file).catch(() => null))?.isDirectory()) file = path.join(file, 'index.html');
        const body = await readFile(file);
        res.writeHead(200, {
          'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-embedder-policy': 'require-corp',
        });
        res.end(body);
      } catch {
        if (!res.headersSent) res.writeHead(404);
        res.end();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// -------------------------------------------------------------------------------------------
// (c) launch

export interface LaunchedBrowser {
  readonly browser: Browser;
  readonly variant: BrowserVariant;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Starts headless Chromium (puppeteer-core, /usr/bin/chromium) in a variant with a fresh profile. */
export async function launchChromium(variant: BrowserVariant, opts: { executablePath?: string; extraArgs?: readonly string[] } = {}): Promise<LaunchedBrowser> {
  const executablePath = opts.executablePath ?? findChromium();
  if (!executablePath) throw new Error(`Chromium not found at ${CHROMIUM_PATH}`);
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'matjac-chromium-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      args: [...chromiumArgs(variant, userDataDir), ...(opts.extraArgs ?? [])],
      protocolTimeout: 120_000,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    browser,
    variant,
    close: async () => {
      try {
        await browser.close();
      } finally {
        rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

// -------------------------------------------------------------------------------------------
// (d) evaluate

/** A function run in the page: `arg` arrives through JSON, the result goes back through JSON. */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

/**
 * Runs `fn(arg)` in the page and returns its JSON result; an error thrown in the page rejects
 * with the page's message.
 */
export async function evaluateJson<A, R>(page: Page, fn: PageFunction<A, R>, arg: A): Promise<R> {
  // puppeteer serialises `fn` with toString(), runs it in the page and returns the JSON value.
  const value: unknown = await page.evaluate(fn as unknown as EvaluateFunc<[unknown]>, arg as unknown);
  return value as R;
}

// -------------------------------------------------------------------------------------------
// (e) a session that owns all of it

export interface SessionOptions {
  /**
   * Entry module to bundle (relative to the repository root); it should put what tests need on
   * `window`. Without one the page is empty (environment checks).
   */
  readonly entry?: string;
  readonly variant: BrowserVariant;
  readonly build?: BuildOptions;
  /** How long to wait for the bundle to load (ms, default 60 s). */
  readonly loadTimeoutMs?: number;
}

/** One bundle, one server, one browser, one page; `close()` releases all of them. */
export class BrowserSession {
  /** Console messages and page errors seen so far (for diagnostics). */
  readonly logs: string[] = [];

  private constructor(
    readonly page: Page,
    readonly url: string,
    private readonly parts: { bundle?: Bundle; server?: StaticServer; browser?: LaunchedBrowser },
  ) {}

  static async start(opts: SessionOptions): Promise<BrowserSession> {
    const parts: { bundle?: Bundle; server?: StaticServer; browser?: LaunchedBrowser } = {};
    const logs: string[] = [];
    try {
      parts.bundle = opts.entry !== undefined ? await buildBundle(opts.entry, opts.build) : emptyPage();
      parts.server = await serveDir(parts.bundle.dir);
      parts.browser = await launchChromium(opts.variant);
      const page = await parts.browser.browser.newPage();
      page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[pageerror] ${e instanceof Error ? e.message : String(e)}`));
      const url = parts.server.url + parts.bundle.page;
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForFunction('window.__bundleLoaded === true || window.__bundleError !== undefined', { timeout: opts.loadTimeoutMs ?? 60_000 });
      const loadError = await page.evaluate('window.__bundleError');
      if (loadError) throw new Error(`the bundle failed to load in the page: ${String(loadError)}`);
      const s = new BrowserSession(page, url, parts);
      s.logs.push(...logs);
      page.on('console', (m) => s.logs.push(`[console.${m.type()}] ${m.text()}`));
      return s;
    } catch (e) {
      await closeParts(parts);
      if (logs.length > 0 && e instanceof Error) e.message += `\npage logs:\n${logs.join('\n')}`;
      throw e;
    }
  }

  /** `fn(arg)` in the page, result through JSON (see evaluateJson). */
  evaluate<A, R>(fn: PageFunction<A, R>, arg: A): Promise<R> {
    return evaluateJson(this.page, fn, arg);
  }

  async close(): Promise<void> {
    await closeParts(this.parts);
  }
}

async function closeParts(parts: { bundle?: Bundle; server?: StaticServer; browser?: LaunchedBrowser }): Promise<void> {
  const errors: unknown[] = [];
  for (const step of [() => parts.browser?.close(), () => parts.server?.close(), () => parts.bundle?.remove()]) {
    try {
      await step();
    } catch (e) {
      errors.push(e);
    }
  }
  parts.browser = undefined;
  parts.server = undefined;
  parts.bundle = undefined;
  if (errors.length > 0) throw errors[0];
}

/** Runs `fn` with a session and always closes it. */
export async function withBrowserSession<T>(opts: SessionOptions, fn: (s: BrowserSession) => Promise<T>): Promise<T> {
  const s = await BrowserSession.start(opts);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}
