/**
 * shaders/*.wgsl reach the backend through the generated src/backend/webgpu/shaders.gen.ts (no fs
 * reads at runtime): the generated file must be current, every kernel must document its bindings
 * and formula, and every shader must compile on SwiftShader without errors.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHADERS } from '../../src/backend/webgpu/shaders.gen.js';
import { getSwiftShaderBackend } from '../helpers/gpu.js';

const root = join(import.meta.dirname, '..', '..');
const shaderDir = join(root, 'shaders');

describe('WGSL sources', () => {
  it('src/backend/webgpu/shaders.gen.ts is up to date with shaders/ (run node scripts/gen-shaders.mjs)', () => {
    // --check exits non-zero (execFileSync throws) when the generated file differs
    expect(() => execFileSync(process.execPath, [join(root, 'scripts', 'gen-shaders.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
    const files = readdirSync(shaderDir).filter((f) => f.endsWith('.wgsl'));
    expect(Object.keys(SHADERS).sort()).toEqual(files.map((f) => f.slice(0, -5)).sort());
    for (const f of files) {
      // the file's header, then the spliced prelude, then the file's formula (and a 1-D kernel's entry point)
      const src = readFileSync(join(shaderDir, f), 'utf8');
      const gen = SHADERS[f.slice(0, -5) as keyof typeof SHADERS];
      const cut = src.search(/^[^/\n]/m);
      expect(gen.startsWith(src.slice(0, cut)), f).toBe(true);
      expect(gen.includes(src.slice(cut)), f).toBe(true);
    }
  });

  it('each file holds its formula; the bindings, uniforms and 1-D index prologue come from the shared prelude', () => {
    for (const f of readdirSync(shaderDir).filter((x) => x.endsWith('.wgsl'))) {
      const src = readFileSync(join(shaderDir, f), 'utf8');
      expect(src, f).not.toMatch(/@group\(0\) @binding/);
      expect(src, f).not.toMatch(/wid\.x \+ wid\.y \* nwg\.x\) \* WG \+ lid/);
    }
  });

  it('one kernel a file, each with a header comment naming its bindings', () => {
    for (const [name, src] of Object.entries(SHADERS)) {
      expect(src.startsWith(`// ${name}.wgsl`), name).toBe(true);
      expect(src, name).toMatch(/Bindings \(group 0\):/);
      expect(src.match(/@compute/g)?.length, name).toBe(1);
    }
  });

  it('every shader compiles (SwiftShader)', async () => {
    const gpu = await getSwiftShaderBackend();
    const dev = gpu.gpuDevice;
    for (const [name, code] of Object.entries(SHADERS)) {
      const mod = dev.createShaderModule({ label: name, code });
      const info = await mod.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error').map((m) => `${name}:${m.lineNum}: ${m.message}`);
      expect(errors).toEqual([]);
    }
    gpu.destroy();
  });
});
