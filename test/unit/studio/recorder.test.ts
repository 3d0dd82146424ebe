// The recorder writes what a trainer emits into the run store (fake-indexeddb).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { RunRecorder } from '../../../src/persist/recorder.ts';
import { RunStore } from '../../../src/persist/run-store.ts';
import { aggregateEval, type StepEvent } from '../../../src/rl/metrics.ts';
import { fixtureGroups } from './trajectory-fixture.ts';

const stepEvent = (step: number): StepEvent => ({
  type: 'step', step, time: 't', trajectories: 4,
  reward: { total: { mean: step, std: 0 }, terminal: { mean: 0, std: 0 }, turn: { mean: 0, std: 0 } },
  successRate: 0.25, byKind: {}, klPerToken: null, entropy: 0.7, responseLength: { mean: 10, max: 20 },
  wait: { count: 0, per1kTokens: 0, perResponse: 0 }, loss: 0.1, clipFraction: 0, gradNorm: 1, lr: 1e-5, valueLoss: null,
  judgeFailures: 0, timeMs: { rollout: 1, judge: 1, train: 1, total: 3 }, tokensPerSecond: { rollout: 100, step: 50 },
});

describe('RunRecorder', () => {
  it('stores events, trajectories and checkpoints, and tracks the run status', async () => {
    const store = await RunStore.open({ dbName: 'recorder', opfs: null });
    const rec = await RunRecorder.create(store, 'rec', { steps: 2 });
    await rec.onEvent({ type: 'start', step: 0, time: 't' });
    expect((await store.getRun(rec.runId))?.status).toBe('running');
    await rec.onEvent(stepEvent(0));
    await rec.onEvent(stepEvent(1));
    await rec.onEvent(aggregateEval(1, 'dev', [{ taskId: 'a', success: true, reward: 1 }], 1));
    await rec.onTrajectories(1, fixtureGroups());
    await rec.onCheckpoint(1, [{ name: 'adapter_model.safetensors', bytes: new Uint8Array([1, 2, 3]) }], { rng: 5 });
    await rec.onEvent({ type: 'end', step: 1, time: 't' });
    const run = (await store.getRun(rec.runId))!;
    expect(run).toMatchObject({ status: 'finished', lastStep: 1, lastCheckpointStep: 1 });
    const m = await store.metrics(rec.runId);
    expect(m.map((r) => r.step)).toEqual([0, 1]);
    expect(m[1].values).toMatchObject({ 'reward/total': 1, 'eval/pass1': 1, entropy: 0.7 });
    expect('kl' in m[1].values).toBe(false); // not measured → not stored
    const groups = await store.queryTrajectories(rec.runId, { step: 1 });
    expect(new Set(groups.map((g) => `${g.group}:${g.taskIndex}`))).toEqual(new Set(['0:0', '1:3']));
    await rec.onFailure('GPU lost');
    expect((await store.getRun(rec.runId))).toMatchObject({ status: 'failed', error: 'GPU lost' });
    store.close();
  });
});
