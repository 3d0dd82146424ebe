// One way to get a GPUDevice everywhere: navigator.gpu in the browser, Dawn (`webgpu` npm) in Node.
// We always request the adapter's real limits: WebGPU's defaults (128 MiB bindings) are far too
// small for an LLM embedding table.
import { DeviceLostError, GpuUnavailableError } from './errors.ts';

/** Limits the engine depends on; requested at the adapter's maximum. */
export const ENGINE_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** Optional features used as fast paths when present; kernels never require them. */
export const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as const;

export type EngineLimit = (typeof ENGINE_LIMITS)[number];
export type OptionalFeature = (typeof OPTIONAL_FEATURES)[number];

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  backend: 'browser' | 'dawn';
  limits: Record<EngineLimit, number>;
  features: Record<OptionalFeature, boolean>;
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
  allFeatures: string[];
}

export interface GpuContext {
  /** Held for the device's lifetime: Dawn's instance must not be garbage-collected while work is in
   * flight (node-webgpu keeps polling it; a collected instance crashes the process in ProcessEvents). */
  gpu: GPU;
  device: GPUDevice;
  adapter: GPUAdapter;
  report: AdapterReport;
  /** Rejects (never resolves normally) when the device is lost: race long waits against it. */
  lost: Promise<never>;
  isLost(): boolean;
  destroy(): void;
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  forceFallbackAdapter?: boolean;
  /** Extra Dawn toggles/options for Node, e.g. ['backend=vulkan', 'adapter=NVIDIA']. */
  dawnOptions?: string[];
  /** Do not request these optional features even if present (to test the portable paths). */
  disableFeatures?: OptionalFeature[];
}

export function describeAdapter(adapter: GPUAdapter, backend: 'browser' | 'dawn'): AdapterReport {
  const info = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number; isFallbackAdapter?: boolean };
  const limits = {} as Record<EngineLimit, number>;
  for (const k of ENGINE_LIMITS) limits[k] = Number((adapter.limits as unknown as Record<string, number>)[k]);
  const features = {} as Record<OptionalFeature, boolean>;
  for (const f of OPTIONAL_FEATURES) features[f] = adapter.features.has(f);
  const legacyFallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacyFallback ?? false),
    backend,
    limits,
    features,
    subgroupMinSize: info.subgroupMinSize,
    subgroupMaxSize: info.subgroupMaxSize,
    allFeatures: [...adapter.features].map(String).sort(),
  };
}

type DawnModule = { create(o: string[]): GPU; globals: Record<string, unknown> };

// Variable specifiers keep Vite from trying to bundle Node-only modules into the studio.
async function dawn(): Promise<{ mod: DawnModule; env: typeof import('./dawn-env.ts') }> {
  const envModule = './dawn-env.ts';
  const dawnModule = 'webgpu';
  const env = (await import(/* @vite-ignore */ envModule)) as typeof import('./dawn-env.ts');
  env.prepareDawnEnvironment();
  const mod = (await import(/* @vite-ignore */ dawnModule)) as DawnModule;
  Object.assign(globalThis, mod.globals);
  return { mod, env };
}

async function nodeGpu(opts: AcquireOptions): Promise<GPU> {
  return (await dawn()).mod.create(opts.dawnOptions ?? []);
}

async function requestAdapter(gpu: GPU, opts: AcquireOptions): Promise<GPUAdapter | null> {
  return gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance', forceFallbackAdapter: opts.forceFallbackAdapter });
}

/** Dawn without a working Vulkan driver: retry once on SwiftShader unless the user chose a driver. */
async function dawnFallback(opts: AcquireOptions): Promise<{ gpu: GPU; adapter: GPUAdapter | null } | null> {
  const { mod, env } = await dawn();
  if (env.userChoseDriver() || !env.useSwiftShader()) return null;
  const gpu = mod.create(opts.dawnOptions ?? []);
  return { gpu, adapter: await requestAdapter(gpu, opts) };
}

// Every Dawn instance we created stays reachable from here (see GpuContext.gpu).
const liveInstances = new Set<GPU>();

/** Returns the platform's GPU entry point, or throws GpuUnavailableError with what to do. */
export async function getGpu(opts: AcquireOptions = {}): Promise<{ gpu: GPU; backend: 'browser' | 'dawn' }> {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  if (nav && 'gpu' in nav && nav.gpu) return { gpu: nav.gpu, backend: 'browser' };
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (isNode) return { gpu: await nodeGpu(opts), backend: 'dawn' };
  throw new GpuUnavailableError(
    'This browser has no WebGPU (navigator.gpu is missing). Use Chrome or Edge 113+ on a secure (https or localhost) page; ' +
      'on Linux start Chrome with --enable-unsafe-webgpu --enable-features=Vulkan, or enable chrome://flags/#enable-unsafe-webgpu.',
  );
}

export async function acquireGpu(opts: AcquireOptions = {}): Promise<GpuContext> {
  let { gpu, backend } = await getGpu(opts);
  let adapter = await requestAdapter(gpu, opts);
  if (!adapter && backend === 'dawn') {
    const fallback = await dawnFallback(opts);
    if (fallback) ({ gpu, adapter } = fallback);
  }
  if (!adapter) {
    throw new GpuUnavailableError(
      backend === 'dawn'
        ? 'Dawn found no GPU adapter. Install a Vulkan driver (on Debian: apt-get install libvulkan1 chromium, then set ' +
            'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json for the SwiftShader CPU adapter).'
        : 'WebGPU is present but gave no adapter: enable hardware acceleration in chrome://settings/system, or start Chrome with --enable-unsafe-webgpu.',
    );
  }
  const report = describeAdapter(adapter, backend);
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => report.features[f] && !opts.disableFeatures?.includes(f));
  const requiredLimits: Record<string, number> = {};
  for (const k of ENGINE_LIMITS) requiredLimits[k] = report.limits[k];
  const device = await adapter.requestDevice({
    requiredFeatures: requiredFeatures as GPUFeatureName[],
    requiredLimits,
    label: 'tarl-engine',
  });
  // Report what the device actually granted (features we chose not to enable read as false).
  for (const f of OPTIONAL_FEATURES) report.features[f] = device.features.has(f);
  let lostFlag = false;
  let rejectLost: (e: Error) => void = () => {};
  const lost = new Promise<never>((_, reject) => (rejectLost = reject));
  lost.catch(() => {}); // observed by whoever races on it; never an unhandled rejection
  void device.lost.then((info) => {
    lostFlag = true;
    if (info.reason !== 'destroyed') rejectLost(new DeviceLostError(info.message || String(info.reason)));
    else rejectLost(new DeviceLostError('the device was destroyed'));
  });
  if (backend === 'dawn') liveInstances.add(gpu);
  return {
    gpu,
    device,
    adapter,
    report,
    lost,
    isLost: () => lostFlag,
    destroy: () => {
      device.destroy();
      liveInstances.delete(gpu);
    },
  };
}
