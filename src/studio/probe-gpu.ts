// Asks the engine worker for the adapter; turns every failure into one sentence for the user.
import { engineWorker } from './engine-client.ts';
import { useStudio } from './store.ts';

const NO_WEBGPU =
  'This browser has no WebGPU. Open the studio in Chrome or Edge 113 or newer (on Linux start Chrome with ' +
  '--enable-unsafe-webgpu --enable-features=Vulkan, or turn on chrome://flags/#enable-unsafe-webgpu), on http://localhost or https.';

export async function probeGpu(timeoutMs = 30_000): Promise<void> {
  const { setGpu } = useStudio.getState();
  if (!('gpu' in navigator) || !navigator.gpu) {
    setGpu({ status: 'unavailable', message: NO_WEBGPU });
    return;
  }
  setGpu({ status: 'probing' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`The GPU did not answer within ${timeoutMs / 1000} s. Reload the page; if it repeats, restart Chrome.`)), timeoutMs);
  });
  try {
    const report = await Promise.race([engineWorker().gpuInfo(), timeout]);
    setGpu({ status: 'ready', report });
  } catch (e) {
    setGpu({ status: 'unavailable', message: (e as Error).message || NO_WEBGPU });
  } finally {
    clearTimeout(timer);
  }
}
