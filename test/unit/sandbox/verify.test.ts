// The verifier (τ-bench's calculate_reward) and pass^k.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkOutputs, loadTasks, passHatK, passHatKFromRewards, RetailEnv, verifyEpisode, type RetailData, type RetailTask } from '../../../src/sandbox/retail/index.ts';
import { retailData } from './fixtures.ts';

let data: RetailData;
let test: RetailTask[];
beforeAll(async () => {
  data = await retailData();
  test = await loadTasks('test');
});

const replayActions = (env: RetailEnv, task: RetailTask) => {
  for (const a of task.actions) env.step(a.name, a.kwargs);
};

describe('verifier', () => {
  it('gives reward 1 to an episode that performs the ground-truth actions (DB check)', () => {
    for (const task of test) {
      const env = new RetailEnv(data, task);
      replayActions(env, task);
      expect(verifyEpisode(env, { checkOutputs: false })).toMatchObject({ reward: 1, dbMatch: true });
    }
  });

  it('gives 0 when a write is missing, extra, or different', () => {
    const task = test.find((t) => t.actions.some((a) => a.name === 'cancel_pending_order'))!;
    const missing = new RetailEnv(data, task);
    expect(verifyEpisode(missing, { checkOutputs: false }).reward).toBe(0);

    const extra = new RetailEnv(data, task);
    replayActions(extra, task);
    extra.step('modify_user_address', { user_id: task.user_id, address1: '1 Main St', address2: '', city: 'X', state: 'NY', country: 'USA', zip: '10001' });
    expect(verifyEpisode(extra, { checkOutputs: false }).reward).toBe(0);

    const different = new RetailEnv(data, task);
    for (const a of task.actions) {
      const kwargs = a.name === 'cancel_pending_order' ? { ...a.kwargs, reason: a.kwargs.reason === 'no longer needed' ? 'ordered by mistake' : 'no longer needed' } : a.kwargs;
      different.step(a.name, kwargs);
    }
    expect(verifyEpisode(different, { checkOutputs: false }).reward).toBe(0);
  });

  it('tells a gift-card balance 9 from 9.0, as τ-bench\'s data hash does', () => {
    // Swapping an item for itself leaves the price difference 0.0 (a float), which turns the paying
    // gift card's int balance into a float: a different DB for τ-bench.
    const task: RetailTask = { user_id: 'lucas_muller_4380', outputs: [], actions: [] };
    const env = new RetailEnv(data, task);
    env.step('modify_pending_order_items', { order_id: '#W3206099', item_ids: ['3330317167'], new_item_ids: ['3330317167'], payment_method_id: 'gift_card_2748512' });
    expect(env.db.user('lucas_muller_4380')!.payment_methods['gift_card_2748512']).toMatchObject({ balance: 9 });
    const r = verifyEpisode(env, { checkOutputs: false });
    expect(r.dbMatch).toBe(false);
  });

  it('checks required outputs like τ-bench: lower-cased, commas removed from the reply, substring', () => {
    expect(checkOutputs(['1,234.5', 'Blue'], ['the total is 1234.5', 'It is BLUE.'])).toEqual({ '1,234.5': false, Blue: true });
    expect(checkOutputs(['1234.5'], ['total: 1,234.5'])).toEqual({ '1234.5': true });
    const task = test.find((t) => t.outputs.length > 0)!;
    const env = new RetailEnv(data, task);
    replayActions(env, task);
    expect(verifyEpisode(env).reward).toBe(0); // outputs required by default, none said
    expect(verifyEpisode(env, { checkOutputs: false }).reward).toBe(1);
    env.reply(`Here you go: ${task.outputs.join(' and ')}.`);
    const r = verifyEpisode(env);
    expect(r.reward).toBe(1);
    expect(Object.values(r.outputs!).every(Boolean)).toBe(true);
  });

  it('a truncated episode (max turns) gets 0 even with the right DB', () => {
    const task = test[0]!;
    const env = new RetailEnv(data, task);
    replayActions(env, task);
    expect(verifyEpisode(env, { checkOutputs: false, truncated: true })).toMatchObject({ reward: 0, dbMatch: true });
  });

  it('the cached and uncached ground truth agree', () => {
    const task = test[3]!;
    const env = new RetailEnv(data, task);
    replayActions(env, task);
    expect(verifyEpisode(env, { cache: false })).toEqual(verifyEpisode(env, { cache: true }));
  });
});

describe('pass^k', () => {
  it('is the mean over tasks of C(c,k)/C(n,k)', () => {
    // task A: 3 of 4 succeed; task B: 1 of 4.  k=1: (3/4 + 1/4)/2; k=2: (3/6 + 0)/2; k=4: (0 + 0)/2
    const r = [
      { trials: 4, successes: 3 },
      { trials: 4, successes: 1 },
    ];
    expect(passHatK(r, 1)).toBeCloseTo(0.5, 12);
    expect(passHatK(r, 2)).toBeCloseTo(0.25, 12);
    expect(passHatK(r, 3)).toBeCloseTo(0.125, 12); // C(3,3)/C(4,3) = 1/4 for A
    expect(passHatK(r, 4)).toBe(0);
    expect(passHatK([{ trials: 5, successes: 5 }], 5)).toBe(1);
  });

  it('takes per-trial rewards', () => {
    expect(passHatKFromRewards([[1, 0, 1], [0, 0, 0]], 2)).toBeCloseTo(1 / 6, 12);
  });

  it('rejects bad input with a message naming it', () => {
    expect(() => passHatK([{ trials: 2, successes: 1 }], 3)).toThrow(/task 0 has 2 trials, fewer than k = 3/);
    expect(() => passHatK([{ trials: 2, successes: 3 }], 1)).toThrow(/invalid counts/);
    expect(() => passHatK([], 1)).toThrow(/no tasks/);
    expect(() => passHatK([{ trials: 2, successes: 1 }], 0)).toThrow(/positive integer/);
  });
});
