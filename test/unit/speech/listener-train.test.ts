// The listener's CTC training loop really learns: on the CPU engine the tiny listener overfits one
// real espeak render until greedy decoding returns its exact transcript; and it refuses nothing
// silently (a label that cannot fit the frames contributes no gradient).
import { describe, expect, it } from 'vitest';
import { createNodeEspeak } from '../../../src/speech/espeak-node.ts';
import { LISTENER_PRESETS } from '../../../src/speech/listener/make.ts';
import { initListener } from '../../../src/speech/listener/config.ts';
import { engineTranscriber, ListenerCpu, listeningTest, trainListener } from '../../../src/speech/listener/train.ts';
import { renderFeatureSet } from '../../../src/speech/listening/features.ts';
import { SpeechSynthesizer } from '../../../src/speech/tts.ts';

describe('listener training', () => {
  it('overfits one render to its exact transcript', async () => {
    const set = await renderFeatureSet(new SpeechSynthesizer(createNodeEspeak()), [
      { text: '#W2611340', label: 'w2611340', kind: 'order', id: { taskId: 'overfit', turn: 0, rollout: 0 }, preset: 'clean' },
    ]);
    const config = { ...LISTENER_PRESETS.tiny!.config, convs: [{ channels: 24, kernel: 12, stride: 4, pad: 4 }, { channels: 24, kernel: 5, stride: 1, pad: 2 }], outDim: 24 };
    const params = initListener(config, 1);
    const engine = new ListenerCpu(config, params);
    const before = await listeningTest(engineTranscriber(engine, config.vocab), set);
    expect(before.exact).toBe(0);
    const losses = await trainListener(config, params, engine, set, {
      steps: 150, batch: 1, warmup: 5, maxGradNorm: 5, seed: 1, augment: false,
      adamw: { lr: 1e-2, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0 },
    });
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 10);
    const after = await listeningTest(engineTranscriber(engine, config.vocab), set);
    expect(after.examples[0]!.heard).toBe('w2611340');
    expect(after.byKind.order).toEqual({ n: 1, exact: 1, rate: 1 });
  }, 60_000);
});
