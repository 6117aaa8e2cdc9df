/** Compute pipelines, compiled once per (shader, override constants) and cached. */
import { SHADERS, type ShaderName } from './shaders.gen.js';

export type Constants = Readonly<Record<string, number>>;

export class PipelineCache {
  private readonly modules = new Map<ShaderName, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();

  constructor(private readonly device: GPUDevice) {}

  get(name: ShaderName, constants: Constants = {}): GPUComputePipeline {
    const keys = Object.keys(constants).sort();
    const key = `${name}|${keys.map((k) => `${k}=${constants[k]}`).join(',')}`;
    let p = this.pipelines.get(key);
    if (p) return p;
    let module = this.modules.get(name);
    if (!module) {
      module = this.device.createShaderModule({ label: name, code: SHADERS[name] });
      this.modules.set(name, module);
    }
    p = this.device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants: { ...constants } },
    });
    this.pipelines.set(key, p);
    return p;
  }

  get size(): number {
    return this.pipelines.size;
  }
}
