// Node wiring of the hearing stage: espeak-ng (wasm) → the shipped listener encoder (ONNX, wasm) →
// frames cached in memory and under .cache/hearing/. Node-only.
import { EspeakEngine } from './espeak.ts';
import { loadEspeakWasmNode } from './espeak-node.ts';
import { UserTurnHearing, type UserTurnHearingOptions } from './hearing.ts';
import { DEFAULT_HEARING_CACHE_DIR, NodeHearingStore } from './hearing-store-node.ts';
import { DEFAULT_LISTENER_ONNX, loadListenerEncoderNode } from './listener-encoder-node.ts';
import type { ListenerEncoder } from './listener-encoder.ts';
import { SpeechSynthesizer } from './tts.ts';

export async function createNodeHearing(
  o: { encoderPath?: string; cacheDir?: string | null } & Omit<UserTurnHearingOptions, 'store'> = {},
): Promise<{ hearing: UserTurnHearing; encoder: ListenerEncoder }> {
  const encoder = await loadListenerEncoderNode(o.encoderPath ?? DEFAULT_LISTENER_ONNX);
  const store = o.cacheDir === null ? undefined : new NodeHearingStore(o.cacheDir ?? DEFAULT_HEARING_CACHE_DIR);
  const hearing = new UserTurnHearing(new SpeechSynthesizer(new EspeakEngine(loadEspeakWasmNode)), encoder, { ...o, store });
  return { hearing, encoder };
}
