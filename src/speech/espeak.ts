// eSpeak NG (the `espeak-ng` npm package: the espeak-ng CLI compiled to wasm, GPL-3.0-or-later) as a
// text → 16-bit PCM function. The wasm (18 MB, voice data embedded) is compiled once by the caller's
// loader (Node: espeak-node.ts, browser/worker: espeak-browser.ts); each render instantiates a fresh
// instance because the CLI's main() keeps global state and is meant to run once per process.
import ESpeakNg from 'espeak-ng';
import type { VoiceParams } from './voice.ts';
import { parseWavPcm16, type EspeakPcm } from './wav.ts';

export type { EspeakPcm } from './wav.ts';

export type WasmModuleLoader = () => Promise<WebAssembly.Module>;

/** The CLI arguments for one render; the text goes through a file so no text can be read as a flag. */
export function espeakArguments(voice: VoiceParams, textPath: string, wavPath: string): string[] {
  return [
    '-v', voice.variant ? `${voice.language}+${voice.variant}` : voice.language,
    '-s', String(voice.rateWpm),
    '-p', String(voice.pitch),
    '-g', String(voice.wordGap),
    '-w', wavPath,
    '-f', textPath,
  ];
}

export class EspeakEngine {
  private compiled: Promise<WebAssembly.Module> | undefined;

  constructor(private readonly loadWasm: WasmModuleLoader) {}

  /** Renders `text` with `voice`; throws with espeak's own messages if it writes no audio. */
  async synthesize(text: string, voice: VoiceParams): Promise<EspeakPcm> {
    if (typeof text !== 'string' || text.trim() === '') throw new Error('espeak: text to speak is empty');
    this.compiled ??= this.loadWasm();
    const wasm = await this.compiled;
    const messages: string[] = [];
    const textPath = '/tarl-input.txt';
    const wavPath = '/tarl-output.wav';
    const instance = await ESpeakNg({
      arguments: espeakArguments(voice, textPath, wavPath),
      print: (line) => messages.push(line),
      printErr: (line) => {
        if (!line.startsWith('program exited')) messages.push(line);
      },
      preRun: [(m) => m.FS.writeFile(textPath, new TextEncoder().encode(text))],
      instantiateWasm: (imports, receive) => {
        // espeak-ng seeds rand() from time(): a fixed clock makes renders reproducible.
        const env = { ...(imports.env as Record<string, unknown>), emscripten_date_now: () => 0 };
        WebAssembly.instantiate(wasm, { ...imports, env } as WebAssembly.Imports).then(
          (inst) => receive(inst, wasm),
          (e: unknown) => messages.push(`instantiate failed: ${String(e)}`),
        );
        return {};
      },
    });
    let wav: Uint8Array;
    try {
      wav = instance.FS.readFile(wavPath);
    } catch {
      throw new Error(`espeak: no audio written for voice ${JSON.stringify(voice)}: ${messages.join(' | ') || 'no message'}`);
    }
    const pcm = parseWavPcm16(wav);
    if (pcm.samples.length === 0) throw new Error(`espeak: empty audio for voice ${JSON.stringify(voice)}: ${messages.join(' | ')}`);
    return pcm;
  }
}
