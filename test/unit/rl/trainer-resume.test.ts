// Checkpoint/resume: a run stopped after 3 steps and resumed from its checkpoint produces exactly the
// metrics (rewards, losses, KL, gradient norms, evaluations) of an uninterrupted run for the next steps.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelWeights } from '../../../src/model/weights.ts';
import type { MetricEvent } from '../../../src/rl/metrics.ts';
import type { CheckpointFile } from '../../../src/rl/trainer/checkpoint.ts';
import { parseCheckpoint } from '../../../src/rl/trainer/checkpoint.ts';
import { runTraining } from '../../../src/rl/trainer/run.ts';
import { tinyToyModel, toyConfig, toyTrainer } from './trainer-helpers.ts';

let weights: ModelWeights;
beforeAll(async () => {
  ({ weights } = await tinyToyModel(7));
}, 30_000);

/** Step and eval events without wall-clock fields. */
function comparable(events: readonly MetricEvent[]): unknown[] {
  return events
    .filter((e) => e.type === 'step' || e.type === 'eval')
    .map((e) => {
      const { time: _t, ...rest } = e as MetricEvent & { timeMs?: unknown; tokensPerSecond?: unknown };
      delete (rest as { timeMs?: unknown }).timeMs;
      delete (rest as { tokensPerSecond?: unknown }).tokensPerSecond;
      return rest;
    });
}

describe('trainer checkpoint and resume', () => {
  it('resume equals uninterrupted (same next batches, identical metrics)', async () => {
    const config = toyConfig({ steps: 6, math: { ratio: 0, difficulties: [1], flavor: 'any' }, eval: { every: 2, split: 'dev', k: 2, temperature: 1, maxTasks: 2 }, checkpoint: { every: 3, dir: 'unused', keep: 2 } });
    const full = toyTrainer(weights, config);
    const saves = new Map<number, CheckpointFile[]>();
    await runTraining(full, { saveCheckpoint: (step, files) => (saves.set(step, files), `mem:${step}`) });
    expect([...saves.keys()]).toEqual([2, 5]);

    const first = toyTrainer(weights, config);
    let atThree: CheckpointFile[] = [];
    await runTraining(first, { maxSteps: 3, saveCheckpoint: (_s, files) => ((atThree = files), 'mem') });
    expect(parseCheckpoint(atThree).state.nextStep).toBe(3);

    const resumed = toyTrainer(weights, config);
    await resumed.restore(atThree);
    expect(resumed.nextStep).toBe(3);
    await runTraining(resumed, {});
    const a = comparable(full.events);
    const b = comparable(resumed.events);
    expect(b).toHaveLength(a.length);
    expect(b).toEqual(a);
    // The next batch really differs from the previous ones (the sampler moved on, not restarted).
    const steps = a.filter((e) => (e as { type: string }).type === 'step') as { reward: unknown; loss: number }[];
    expect(new Set(steps.map((s) => s.loss)).size).toBeGreaterThan(1);
  }, 60_000);

  it('refuses a checkpoint from another LoRA shape, naming the module', async () => {
    const config = toyConfig({ steps: 1 });
    const t = toyTrainer(weights, config);
    let files: CheckpointFile[] = [];
    await runTraining(t, { saveCheckpoint: (_s, f) => ((files = f), 'mem') });
    const other = toyTrainer(weights, toyConfig({ lora: { r: 2, alpha: 4, targets: ['q_proj', 'v_proj', 'o_proj', 'down_proj'], useRslora: false, layers: null } }));
    await expect(other.restore(files, 'ck')).rejects.toThrow(/ck: the adapter has no tensors of the right size for model\.layers\.0\.self_attn\.q_proj/);
  }, 30_000);
});
