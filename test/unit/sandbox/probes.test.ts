// The 45 reference probes (error paths and formatting edge cases, through τ-bench's Env.step): same
// output strings and done flags, and the same τ-bench data hash after each group (fresh DB per group).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { groundTruthDb, parseTasks, RetailDb, runTool, type RetailData } from '../../../src/sandbox/retail/index.ts';
import { pyDataHashText } from '../../../src/sandbox/retail/pyrepr.ts';
import { loadProbes, retailData } from './fixtures.ts';

let data: RetailData;
beforeAll(async () => {
  data = await retailData();
});
const sha = (db: RetailDb) => createHash('sha256').update(pyDataHashText(db)).digest('hex');

describe('reference probes', () => {
  const { groups } = loadProbes();
  it('cover 45 calls in 9 groups', () => {
    expect(groups.length).toBe(9);
    expect(groups.reduce((n, g) => n + g.calls.length, 0)).toBe(45);
  });

  for (const group of groups) {
    it(group.group, () => {
      const db = new RetailDb(data.tables);
      for (const call of group.calls) {
        expect({ name: call.name, ...runTool(db, call.name, call.kwargs) }).toEqual({ name: call.name, output: call.output, done: call.done });
      }
      if (group.calls.some((c) => c.name === 'transfer_to_human_agents')) {
        // τ-bench's Env.step computes the reward when the episode ends and leaves env.data holding
        // the ground-truth DB of the env's task (dev task 0 in the probe run): check that DB instead.
        const devTasks = parseTasks(readFileSync(new URL('../../../public/data/tau-bench-retail/tasks_dev.json', import.meta.url), 'utf8'));
        expect(sha(groundTruthDb(data, devTasks[0]!, false))).toBe(group.final_db_hash_repo);
        expect(sha(db)).toBe(sha(new RetailDb(data.tables))); // the transfer itself changed nothing
      } else {
        expect(sha(db)).toBe(group.final_db_hash_repo);
      }
    });
  }
});
