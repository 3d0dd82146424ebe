// Main-thread handle on the speech worker (src/workers/tts.worker.ts) for the studio.
import * as Comlink from 'comlink';
import type { TtsApi } from '../workers/tts.worker.ts';

export interface TtsWorkerClient {
  api: Comlink.Remote<TtsApi>;
  terminate(): void;
}

export function createTtsWorker(): TtsWorkerClient {
  const worker = new Worker(new URL('../workers/tts.worker.ts', import.meta.url), { type: 'module', name: 'tarl-tts' });
  return { api: Comlink.wrap<TtsApi>(worker), terminate: () => worker.terminate() };
}
