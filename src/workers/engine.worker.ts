// The engine worker owns the GPU device; the studio's main thread only renders. Thin comlink shell.
import * as Comlink from 'comlink';
import { acquireGpu, type AdapterReport, type GpuContext } from '../gpu/device.ts';

let ctx: GpuContext | undefined;

const api = {
  /** Acquires the device (once) and describes the adapter. Throws a one-sentence error if WebGPU is unavailable. */
  async gpuInfo(): Promise<AdapterReport> {
    ctx ??= await acquireGpu();
    return ctx.report;
  },
};

export type EngineApi = typeof api;
Comlink.expose(api);
