// Browser / Web Worker loader for the espeak-ng wasm: Vite serves the file and hands us its URL.
import wasmUrl from 'espeak-ng/dist/espeak-ng.wasm?url';
import { EspeakEngine } from './espeak.ts';

export async function loadEspeakWasmBrowser(): Promise<WebAssembly.Module> {
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`espeak: fetching ${wasmUrl} failed with HTTP ${response.status}`);
  return WebAssembly.compileStreaming(response);
}

export function createBrowserEspeak(): EspeakEngine {
  return new EspeakEngine(loadEspeakWasmBrowser);
}
