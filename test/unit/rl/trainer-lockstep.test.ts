// LockstepBatcher: concurrent single-sequence generate() calls of a group's episodes become one
// batched backend call per round; members that finish drop out; results depend only on the seeds.
import { describe, expect, it } from 'vitest';
import { createBackend, type GenerateResult } from '../../../src/model/backend.ts';
import { fnv1a } from '../../../src/rl/rng.ts';
import { LockstepBatcher } from '../../../src/rl/trainer/lockstep.ts';
import { tinyToyModel } from './trainer-helpers.ts';

describe('LockstepBatcher', () => {
  it('batches one turn of every live member into one call, in member order, deterministically', async () => {
    const { weights } = await tinyToyModel(7);
    const backend = await createBackend(weights, 'cpu');
    const opts = { maxNewTokens: 3, temperature: 1, stopTokenIds: [] as number[] };
    const play = async () => {
      const batcher = new LockstepBatcher(backend, 3);
      const turns: Record<number, number> = { 0: 2, 1: 1, 2: 2 }; // member 1 finishes after one turn
      const outputs: GenerateResult[][] = [[], [], []];
      await Promise.all([0, 1, 2].map(async (k) => {
        const view = batcher.view(k);
        let prompt = [6 + k, 7];
        for (let t = 0; t < turns[k]!; t++) {
          // Uneven pauses between turns: batching must not depend on timing.
          await new Promise((r) => setTimeout(r, (2 - k) * 15));
          const [r] = await view.generate([prompt], { ...opts, seed: 100 + k });
          outputs[k]!.push(r!);
          prompt = [...prompt, ...r!.tokens, 8];
        }
        batcher.done(k);
      }));
      return { outputs, calls: batcher.calls };
    };
    const a = await play();
    expect(a.calls).toBe(2); // round 1: members 0, 1, 2; round 2: members 0 and 2
    expect(a.outputs.map((o) => o.length)).toEqual([2, 1, 2]);
    const b = await play();
    expect(b.outputs).toEqual(a.outputs);
    // Round 1 is exactly one batched call over the three prompts.
    // Round 1 recomputed as one direct batched call with the batch seed.
    const direct = await backend.generate([[6, 7], [7, 7], [8, 7]], { ...opts, seed: fnv1a('0:100,1:101,2:102') });
    expect(direct.map((r) => r.tokens)).toEqual(a.outputs.map((o) => o[0]!.tokens));
    await expect(new LockstepBatcher(backend, 1).view(0).generate([[1], [2]], opts)).rejects.toThrow(/one sequence at a time/);
  });
});

