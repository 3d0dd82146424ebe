// Math mixing through the real Qwen3 tokenizer and chat template on a tiny random model: a step at
// math ratio 1 builds problems from the sampler's seeds, generates the G answers in one batched call,
// scores them with the extractor and trains on the policy tokens only.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/rl/config.ts';
import { MathSuite } from '../../../src/rl/trainer/math-suite.ts';
import { RlTrainer } from '../../../src/rl/trainer/trainer.ts';
import type { EpisodeSuite } from '../../../src/rl/trainer/types.ts';
import { loadModelFromDir } from '../../../src/model/load-node.ts';
import { tinyPolicy } from '../rollout/tiny-policy.ts';

describe('trainer with math problems', () => {
  it('runs a GRPO step on math problems with the real tokenizer', async () => {
    const { tokenizer, dir } = await tinyPolicy(2048);
    const weights = await loadModelFromDir(dir);
    const noRetail: EpisodeSuite = { kind: 'retail', name: 'none', judged: false, taskIds: () => [], runGroup: () => Promise.reject(new Error('no retail tasks in this test')) };
    const config = resolveConfig({
      seed: 3, steps: 1, tasksPerStep: 1, groupSize: 2, lr: 1e-3,
      lora: { r: 2, alpha: 4, targets: ['q_proj', 'v_proj'], useRslora: false, layers: null },
      math: { ratio: 1, difficulties: [1, 2], flavor: 'any' },
      sampling: { temperature: 1, topP: 1, maxNewTokens: 3 },
    });
    const trainer = new RlTrainer({ config, weights, suites: { retail: noRetail, math: new MathSuite(tokenizer, { enableThinking: false }) } });
    const o = await trainer.step();
    expect(o.trajectories).toHaveLength(2);
    for (const t of o.trajectories) {
      expect(t.task.split).toBe('math');
      const [from, to] = (t.turns[1] as { tokenSpan: [number, number] }).tokenSpan;
      expect(t.tokens!.trainable.filter((x) => x === 1)).toHaveLength(to - from);
      expect(t.tokens!.trainable.slice(0, from).every((x) => x === 0)).toBe(true);
      expect(tokenizer.decode(t.tokens!.ids.slice(0, 20))).toMatch(/^<\|im_start\|>user\n/);
      expect([0, 1]).toContain(t.verifier!.reward);
    }
    expect(o.event.byKind.math?.n).toBe(2);
    expect(o.event.responseLength.max).toBeLessThanOrEqual(3);
    expect(o.train!.firstRatio).toEqual({ mean: 1, min: 1, max: 1 });
    expect(o.samplingLogpMaxDiff!).toBeLessThan(1e-5);
  }, 120_000);
});
