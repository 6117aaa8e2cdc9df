/** Compute pipelines, compiled once per (shader, override constants) and cached with their bind group layout. */
import type { CachedPipeline } from './bindgroups.js';
import { SHADERS, type ShaderName } from './shaders.gen.js';

export type Constants = Readonly<Record<string, number>>;

export class PipelineCache {
  private readonly modules = new Map<ShaderName, GPUShaderModule>();
  private readonly pipelines = new Map<string, CachedPipeline>();

  constructor(private readonly device: GPUDevice) {}

  /**
   * The pipeline of `name` with these override constants. The key lists the constants in their
   * insertion order (no sort on this per-dispatch path): every call site builds its constants in
   * a fixed order, and two orders of the same values would only compile one pipeline twice.
   */
  get(name: ShaderName, constants: Constants = {}): CachedPipeline {
    let key: string = name;
    for (const k in constants) key += `|${k}=${constants[k]}`;
    return this.pipelines.get(key) ?? this.create(key, name, constants);
  }

  private create(key: string, name: ShaderName, constants: Constants): CachedPipeline {
    let module = this.modules.get(name);
    if (!module) {
      module = this.device.createShaderModule({ label: name, code: SHADERS[name] });
      this.modules.set(name, module);
    }
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants: { ...constants } },
    });
    const p: CachedPipeline = { pipeline, layout: pipeline.getBindGroupLayout(0), id: this.pipelines.size + 1 };
    this.pipelines.set(key, p);
    return p;
  }

  get size(): number {
    return this.pipelines.size;
  }
}
