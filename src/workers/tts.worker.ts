// Speech worker: renders the simulated user's text turns to 16 kHz audio off the main thread
// (espeak-ng wasm + libsamplerate wasm), cached in memory and in IndexedDB. Thin comlink shell.
import * as Comlink from 'comlink';
import { createBrowserEspeak } from '../speech/espeak-browser.ts';
import { IdbAudioStore } from '../speech/idb-store.ts';
import { SpeechSynthesizer, type SpeechRender, type SpeechRequest } from '../speech/tts.ts';

let synthesizer: SpeechSynthesizer | undefined;

const api = {
  /** Renders one turn; the PCM buffer is transferred, not copied. */
  async render(request: SpeechRequest): Promise<SpeechRender> {
    synthesizer ??= new SpeechSynthesizer(createBrowserEspeak(), { store: new IdbAudioStore() });
    const render = await synthesizer.render(request);
    const pcm = render.pcm.slice(); // the cache keeps its own copy
    return Comlink.transfer({ ...render, pcm }, [pcm.buffer]);
  },
};

export type TtsApi = typeof api;
Comlink.expose(api);
