// A short training run with speech episodes, end to end at a tiny size: real espeak-ng speech, the
// shipped listener (ONNX), the projector spliced into a tiny policy, text RL → alignment (gated by
// the listening test) → text-only RL vs speech RL with the warm-up → evaluation heard and read.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricEvent } from '../../../src/rl/metrics.ts';
import { runSpeechAblation, type SpeechAblationOptions, type SpeechAblationReport } from '../../../src/rl/trainer/speech-ablation.ts';
import { SpokenToySuite } from '../../../src/rl/trainer/spoken-toy-suite.ts';
import { RlTrainer } from '../../../src/rl/trainer/trainer.ts';
import { createNodeHearing } from '../../../src/speech/hearing-node.ts';
import { AudioProjector } from '../../../src/speech/projector.ts';
import { tinyToyModel, toyConfig } from './trainer-helpers.ts';

let options: SpeechAblationOptions;
let report: SpeechAblationReport;
const events: { arm: string; e: MetricEvent }[] = [];

beforeAll(async () => {
  const { weights } = await tinyToyModel(5);
  const { hearing, encoder } = await createNodeHearing({ cacheDir: mkdtempSync(join(tmpdir(), 'tarl-hearing-')) });
  options = {
    weights, hearing, encoderDim: encoder.dim, gate: { rates: { order: 0.93 }, threshold: 0.9 },
    tasks: 2, groupSize: 2, tasksPerStep: 2, textSteps: 2, armSteps: 3, alignSteps: 3, speechShare: 1, warmupSteps: 1,
    projectorLrMultiplier: 3, evalK: 2, lr: 0.03, seed: 3,
    onEvent: (arm, e) => events.push({ arm, e }),
  };
  report = await runSpeechAblation(options);
}, 240_000);

describe('speech RL in miniature (spoken-intent suite)', () => {
  it('runs both arms from one checkpoint; only the speech arm trains on (and changes the projector with) speech episodes', () => {
    expect(report.arms.map((a) => a.arm)).toEqual(['text-only RL', 'speech RL']);
    const steps = (arm: string) => events.filter((x) => x.arm === arm && x.e.type === 'step').map((x) => x.e as MetricEvent & { type: 'step'; speechShare: number; step: number });
    expect(steps('text-only RL').map((e) => e.step)).toEqual([2, 3, 4]);
    expect(steps('text-only RL').every((e) => e.speechShare === 0 && !e.byKind.speech)).toBe(true);
    const speech = steps('speech RL');
    expect(speech.map((e) => e.speechShare)).toEqual([0, 1, 1]); // the warm-up ramp from the arm's first step
    expect(speech.slice(1).every((e) => e.byKind.speech?.n === 4)).toBe(true);
    const [text, spoken] = report.arms;
    expect(spoken!.meanSpeechShare).toBeCloseTo(2 / 3, 12);
    const a = AudioProjector.fromSafetensors(text!.projector);
    const b = AudioProjector.fromSafetensors(spoken!.projector);
    expect(a.weights.wGate.some((v, i) => v !== b.weights.wGate[i])).toBe(true);
  });

  it('alignment lowers the KL between hearing and reading, and every evaluation names its modality', () => {
    const al = report.alignment;
    expect(al.steps).toBe(3);
    // 4 training turns in batches of 8: every step sees the same turns, so the KL must go down.
    expect(al.klLast).toBeLessThan(al.klFirst);
    expect(Number.isFinite(al.heldOutKlAfter)).toBe(true);
    for (const e of [report.afterTextRl, report.afterAlignment, ...report.arms]) {
      expect(e.speech.modality).toBe('speech');
      expect(e.text.modality).toBeUndefined();
      expect(e.speech.tasks).toBe(2);
    }
  });

  it('speech trajectories record the heard turn: transcript, audio tokens ⌈frames / 4⌉, and the audio slot in the tokens', async () => {
    const projector = AudioProjector.create({ encoderDim: options.encoderDim, stack: 4, hidden: 16, modelDim: options.weights.config.hiddenSize, eps: 1e-6 }, 1);
    const suite = new SpokenToySuite({ vocabSize: options.weights.config.vocabSize, eosTokenIds: options.weights.config.eosTokenIds, hearing: options.hearing, projector, tasks: 2 });
    const { CpuBackend } = await import('../../../src/model/cpu/backend.ts');
    const [t] = await suite.runGroup({ kind: 'retail', taskId: 'spoken#1', epoch: 0, speech: true }, 'train', 1, { backend: new CpuBackend(options.weights), temperature: 1, topP: 1, maxNewTokens: 2, seed: 5 });
    const s = t!.speech![0]!;
    expect(t!.turns[0]).toEqual({ role: 'user', text: suite.describe(1, 0).sentence });
    expect(s.audioTokens).toBe(Math.ceil(s.encoderFrames / 4));
    expect(s.spokenText).toMatch(/cancel order W \w+/);
    const ids = t!.tokens!.ids;
    expect(ids[s.bos]).toBe(8);
    expect(ids.slice(s.bos + 1, s.bos + 1 + s.audioTokens).every((id) => id === 9)).toBe(true);
    expect(ids[s.bos + s.audioTokens + 1]).toBe(10);
  });

  it('refuses to align an encoder that failed its listening test, and speech episodes on a suite without them', async () => {
    await expect(runSpeechAblation({ ...options, gate: { rates: { order: 0.93, email: 0.39 }, threshold: 0.9 } })).rejects.toThrow(/failed its listening test \(email 39% < 90%\)/);
    const { ToyToolSuite } = await import('../../../src/rl/trainer/toy-suite.ts');
    const suite = new ToyToolSuite({ vocabSize: options.weights.config.vocabSize, eosTokenIds: options.weights.config.eosTokenIds });
    expect(() => new RlTrainer({ config: toyConfig({ speechShare: 0.5 }), weights: options.weights, suites: { retail: suite } })).toThrow(/no speech training/);
  });
});
