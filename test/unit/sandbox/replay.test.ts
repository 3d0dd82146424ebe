// Every train and dev task of the reference replays (τ-bench's own code, CPython 3.11.7) must give
// exactly the reference output strings and the reference final DB (initial DB + final_db_diff).
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { computeReward, pyDeepEqual, RetailDb, runTool, type RetailData } from '../../../src/sandbox/retail/index.ts';
import { pyDataHashText } from '../../../src/sandbox/retail/pyrepr.ts';
import type { PyValue } from '../../../src/sandbox/retail/pyjson.ts';
import { entries, loadReplay, retailData, type ReplayTask } from './fixtures.ts';

let data: RetailData;
beforeAll(async () => {
  data = await retailData();
});

/** Names the first record that differs from initial DB + the task's final_db_diff, or null. */
function diffAgainstReference(db: RetailDb, task: ReplayTask): string | null {
  for (const table of ['users', 'orders'] as const) {
    const diff = task.final_db_diff[table];
    const changed = new Map(diff ? entries(diff.changed_final_values) : []);
    if (diff && (diff.added_keys.length || diff.removed_keys.length)) return `${table}: records added/removed (not expected in Retail)`;
    const ids = new Set([...changed.keys(), ...db.touched(table)]);
    for (const id of ids) {
      const mine = (table === 'users' ? db.user(id) : db.order(id)) as PyValue;
      const base = (table === 'users' ? data.tables.users.get(id) : data.tables.orders.get(id)) as PyValue;
      const want = changed.get(id) ?? base;
      // The diff was made with Python's ==, which hides int -> float changes (9 -> 9.0); the
      // data-hash check below sees those.
      if (!pyDeepEqual(mine, want, true)) return `${table} ${id}`;
    }
  }
  if (task.final_db_diff.products) return 'products changed in the reference';
  return null;
}

for (const split of ['train', 'dev'] as const) {
  describe(`reference replay: ${split}`, () => {
    const replay = loadReplay(split);
    it(`has all ${split === 'train' ? 500 : 20} tasks`, () => {
      expect(replay.tasks.length).toBe(split === 'train' ? 500 : 20);
    });

    it('every call returns the reference output string and done flag', () => {
      const mismatches: string[] = [];
      for (const task of replay.tasks) {
        const db = new RetailDb(data.tables);
        for (const [i, call] of task.calls.entries()) {
          const r = runTool(db, call.name, call.kwargs);
          if (r.output !== call.output || r.done !== call.done) mismatches.push(`task ${task.task_index} call ${i} (${call.name})`);
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('every final DB equals the initial DB plus the reference diff, has τ-bench\'s data hash, and gets reward 1', () => {
      const mismatches: string[] = [];
      for (const task of replay.tasks) {
        const db = new RetailDb(data.tables);
        for (const call of task.calls) runTool(db, call.name, call.kwargs);
        const where = diffAgainstReference(db, task);
        if (where) mismatches.push(`task ${task.task_index}: ${where}`);
        const hash = createHash('sha256').update(pyDataHashText(db)).digest('hex');
        if (hash !== task.final_db_hash_repo) mismatches.push(`task ${task.task_index}: τ-bench data hash`);
        if (task.db_unchanged !== (db.touched('users').size + db.touched('orders').size === 0)) mismatches.push(`task ${task.task_index}: db_unchanged`);
        const gtTask = { user_id: task.user_id, outputs: task.outputs, actions: task.calls.map((c) => ({ name: c.name, kwargs: c.kwargs })) };
        const { reward } = computeReward(data, gtTask, db, [], { cache: false });
        if (reward !== task.reward_gt_actions_only) mismatches.push(`task ${task.task_index}: reward ${reward}`);
      }
      expect(mismatches).toEqual([]);
    });
  });
}
