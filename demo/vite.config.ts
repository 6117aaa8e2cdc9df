/**
 * Vite config of the browser demo: `vite demo` serves it, `vite build demo` writes demo/dist.
 * The library is imported from ../src (TypeScript, compiled by Vite). The Node-only `webgpu`
 * package (Dawn) is only ever imported dynamically through a variable specifier; it is marked
 * external anyway so that no bundler step ever tries to resolve the native addon.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  optimizeDeps: { exclude: ['webgpu'] },
  // The eigen-analysis worker (demo/eig-worker.ts) loads backends with dynamic imports: ES format.
  worker: { format: 'es', rollupOptions: { external: ['webgpu'] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    // gpu.js's browser build is one ~640 kB chunk, loaded only when the gpujs backend is tried.
    chunkSizeWarningLimit: 1000,
    rollupOptions: { external: ['webgpu'] },
  },
});
