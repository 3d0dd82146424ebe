// TrainerSession (the studio's TrainerControls behind the trainer worker): reward-config edits take
// effect from the next step, pause holds the loop between steps, stop ends it with a checkpoint.
import { describe, expect, it } from 'vitest';
import { rewardConfig } from '../../../src/reward/config.ts';
import type { MetricEvent, StepEvent } from '../../../src/rl/metrics.ts';
import { TrainerSession } from '../../../src/rl/trainer/session.ts';
import { tinyToyModel, toyConfig, toyTrainer } from './trainer-helpers.ts';

describe('TrainerSession', () => {
  it('applies a reward config from the next step, pauses between steps, stops with a checkpoint', async () => {
    const { weights } = await tinyToyModel(7);
    let session: TrainerSession;
    const steps: StepEvent[] = [];
    const states: string[] = [];
    let pausedAt = -1;
    const trainer = toyTrainer(weights, toyConfig({ steps: 50 }), {
      onEvent: (e: MetricEvent) => {
        if (e.type !== 'step') return;
        steps.push(e);
        if (e.step === 0) session.applyRewardConfig(rewardConfig({ mode: 'terminal', terminal: 5 }));
        if (e.step === 1) {
          session.pause();
          pausedAt = steps.length;
        }
        if (e.step === 3) void session.stop();
      },
    });
    const saved: number[] = [];
    session = new TrainerSession(trainer, { onState: (s) => states.push(s), saveCheckpoint: (s) => (saved.push(s), `mem:${s}`) });
    session.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(session.state).toBe('paused');
    expect(steps.length).toBe(pausedAt); // nothing ran while paused
    session.resume();
    const result = await session.finished;
    expect(result.status).toBe('stopped');
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2, 3]);
    // Step 0 was scored with terminal 1, steps 1+ with terminal 5 (the edit came during step 0).
    const rewards = (s: StepEvent) => s.reward.total.mean / s.successRate;
    expect(steps[0]!.successRate).toBeGreaterThan(0);
    expect(rewards(steps[0]!)).toBeCloseTo(1, 12);
    for (const s of steps.slice(1).filter((x) => x.successRate > 0)) expect(rewards(s)).toBeCloseTo(5, 12);
    expect(saved).toEqual([3]);
    expect(states).toEqual(['running', 'paused', 'running', 'stopped']);
  }, 60_000);
});
