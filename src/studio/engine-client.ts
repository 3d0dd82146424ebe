// Main-thread handle on the engine worker.
import * as Comlink from 'comlink';
import type { EngineApi } from '../workers/engine.worker.ts';

let engine: Comlink.Remote<EngineApi> | undefined;

export function engineWorker(): Comlink.Remote<EngineApi> {
  engine ??= Comlink.wrap<EngineApi>(new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' }));
  return engine;
}
