// A small kernel runner: WGSL file → cached pipeline → bind buffers → dispatch → read back.
// Every kernel wrapper in src/kernels/ goes through this, so compile errors, out-of-memory and
// device loss surface the same way everywhere.
import type { GpuContext } from './device.ts';
import { OutOfMemoryError, WgslCompileError, type WgslMessage } from './errors.ts';
import { loadShader } from './shaders.ts';

export type ParamType = 'u32' | 'i32' | 'f32';
export type Param = [ParamType, number];

export interface PipelineOptions {
  entryPoint?: string;
  /** WGSL `override` constants. */
  constants?: Record<string, number>;
  /** Text prepended to the source (e.g. `const TILE = 64u;`), part of the cache key. */
  prelude?: string;
}

// GPUBufferUsage flag values (fixed by the WebGPU spec; the global exists only once an implementation is loaded).
export const USAGE = {
  MAP_READ: 1, MAP_WRITE: 2, COPY_SRC: 4, COPY_DST: 8, INDEX: 16, VERTEX: 32, UNIFORM: 64, STORAGE: 128, INDIRECT: 256, QUERY_RESOLVE: 512,
} as const;
export const STORAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

export class KernelRunner {
  readonly device: GPUDevice;
  private pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private sharedUniforms = new Map<string, GPUBuffer>();

  constructor(readonly ctx: GpuContext) {
    this.device = ctx.device;
  }

  /** Compiles (once) and returns the pipeline for shaders/<shader>.wgsl. */
  pipeline(shader: string, opts: PipelineOptions = {}): Promise<GPUComputePipeline> {
    const key = JSON.stringify([shader, opts.entryPoint ?? 'main', opts.constants ?? {}, opts.prelude ?? '']);
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.compile(shader, opts);
      p.catch(() => this.pipelines.delete(key));
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** Compiles WGSL source given as text (for tests and generated kernels). */
  async compileSource(name: string, code: string, opts: PipelineOptions = {}): Promise<GPUComputePipeline> {
    const module = this.device.createShaderModule({ code, label: name });
    const info = await module.getCompilationInfo();
    const errors: WgslMessage[] = info.messages
      .filter((m) => m.type === 'error')
      .map((m) => ({ type: m.type, line: m.lineNum, column: m.linePos, message: m.message }));
    if (errors.length) throw new WgslCompileError(name, errors);
    // Synchronous creation on purpose: Dawn's createComputePipelineAsync crashes the process on
    // SwiftShader ("futex facility returned an unexpected error code"). Errors come via the scope.
    this.device.pushErrorScope('validation');
    const pipeline = this.device.createComputePipeline({
      label: name,
      layout: 'auto',
      compute: { module, entryPoint: opts.entryPoint ?? 'main', constants: opts.constants },
    });
    const err = await this.device.popErrorScope();
    if (err) throw new WgslCompileError(name, [{ type: 'error', line: 0, column: 0, message: err.message }]);
    return pipeline;
  }

  private async compile(shader: string, opts: PipelineOptions): Promise<GPUComputePipeline> {
    const code = (opts.prelude ?? '') + (await loadShader(shader));
    return this.compileSource(shader, code, opts);
  }

  /** Allocates a storage buffer; throws OutOfMemoryError instead of returning an invalid buffer. */
  async createBuffer(label: string, bytes: number, usage: number = STORAGE): Promise<GPUBuffer> {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const buffer = this.device.createBuffer({ label, size, usage });
    const validation = await this.device.popErrorScope();
    const oom = await this.device.popErrorScope();
    if (oom) throw new OutOfMemoryError(label, size);
    if (validation) throw new Error(`Cannot allocate ${label} (${size} bytes): ${validation.message}`);
    return buffer;
  }

  /** Creates a storage buffer holding `data`. */
  async upload(label: string, data: ArrayBufferView, usage: number = STORAGE): Promise<GPUBuffer> {
    const buffer = await this.createBuffer(label, data.byteLength, usage);
    this.write(buffer, data);
    return buffer;
  }

  write(buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    // writeBuffer needs a multiple of 4 bytes.
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const padded = bytes.byteLength % 4 === 0 ? bytes : copyPadded(bytes);
    this.device.queue.writeBuffer(buffer, offset, padded);
  }

  /** A uniform buffer from typed fields, laid out as consecutive 4-byte scalars. The caller owns it
   * (destroys it when the dispatches that use it are retired). */
  uniform(label: string, fields: Param[]): GPUBuffer {
    const data = packParams(fields);
    const buffer = this.device.createBuffer({ label, size: data.byteLength, usage: USAGE.UNIFORM | USAGE.COPY_DST });
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  /** An immutable uniform buffer shared by every dispatch with the same fields: kernels called
   * thousands of times per training step reuse a handful of buffers instead of allocating one per
   * call. Never destroy what this returns. Least-recently-used entries beyond the cap are dropped
   * (left to the garbage collector, so an encoder still holding one stays valid). */
  sharedUniform(label: string, fields: Param[]): GPUBuffer {
    const data = packParams(fields);
    const key = fields.map(([t]) => t[0]).join('') + ':' + Array.from(new Uint32Array(data)).join(',');
    const hit = this.sharedUniforms.get(key);
    if (hit) {
      this.sharedUniforms.delete(key); // re-insert: Map order is the LRU order
      this.sharedUniforms.set(key, hit);
      return hit;
    }
    const buffer = this.uniform(label, fields);
    this.sharedUniforms.set(key, buffer);
    if (this.sharedUniforms.size > SHARED_UNIFORM_CAP) this.sharedUniforms.delete(this.sharedUniforms.keys().next().value!);
    return buffer;
  }

  bindGroup(pipeline: GPUComputePipeline, buffers: GPUBuffer[], group = 0): GPUBindGroup {
    return this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(group),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  /** Records one dispatch into `encoder` (or a fresh one that is submitted at once). */
  dispatch(
    pipeline: GPUComputePipeline,
    buffers: GPUBuffer[],
    workgroups: [number, number?, number?],
    encoder?: GPUCommandEncoder,
  ): void {
    const own = !encoder;
    const enc = encoder ?? this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.bindGroup(pipeline, buffers));
    pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    pass.end();
    if (own) this.device.queue.submit([enc.finish()]);
  }

  /** Copies `bytes` of `buffer` back to the CPU. Rejects (never hangs) if the device is lost. */
  async read(buffer: GPUBuffer, bytes = buffer.size, offset = 0): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.device.createBuffer({ label: 'readback', size, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, offset, staging, 0, size);
    this.device.queue.submit([enc.finish()]);
    try {
      await Promise.race([staging.mapAsync(1 /* GPUMapMode.READ */), this.ctx.lost]);
      return staging.getMappedRange().slice(0, bytes);
    } finally {
      staging.destroy();
    }
  }

  async readF32(buffer: GPUBuffer, count?: number): Promise<Float32Array> {
    return new Float32Array(await this.read(buffer, (count ?? buffer.size / 4) * 4));
  }

  async readU32(buffer: GPUBuffer, count?: number): Promise<Uint32Array> {
    return new Uint32Array(await this.read(buffer, (count ?? buffer.size / 4) * 4));
  }

  /** Waits for all submitted work (or device loss). */
  async sync(): Promise<void> {
    await Promise.race([this.device.queue.onSubmittedWorkDone(), this.ctx.lost]);
  }
}

const SHARED_UNIFORM_CAP = 4096;

function packParams(fields: Param[]): ArrayBuffer {
  const data = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(data);
  fields.forEach(([t, v], i) => {
    if (t === 'f32') view.setFloat32(i * 4, v, true);
    else if (t === 'i32') view.setInt32(i * 4, v, true);
    else view.setUint32(i * 4, v, true);
  });
  return data;
}

function copyPadded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
  out.set(bytes);
  return out;
}

/** Fills a buffer with NaN bit patterns so that a kernel that forgets to write an element fails its test. */
export function poison(runner: KernelRunner, buffer: GPUBuffer): void {
  const words = new Uint32Array(buffer.size / 4).fill(0x7fc00000);
  runner.write(buffer, words);
}
