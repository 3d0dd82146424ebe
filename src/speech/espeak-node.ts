// Node loader for the espeak-ng wasm: reads it from node_modules and compiles it once.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { EspeakEngine } from './espeak.ts';

export async function loadEspeakWasmNode(): Promise<WebAssembly.Module> {
  const require = createRequire(import.meta.url);
  const jsPath = require.resolve('espeak-ng');
  const wasmPath = jsPath.replace(/espeak-ng\.js$/, 'espeak-ng.wasm');
  return WebAssembly.compile(await readFile(wasmPath));
}

export function createNodeEspeak(): EspeakEngine {
  return new EspeakEngine(loadEspeakWasmNode);
}
