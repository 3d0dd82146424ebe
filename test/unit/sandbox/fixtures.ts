// Shared loaders for the sandbox tests: the shipped data and the reference replays (test/fixtures).
import { readFileSync } from 'node:fs';
import { loadRetailData, parsePyJson, type RetailData } from '../../../src/sandbox/retail/index.ts';
import type { PyValue } from '../../../src/sandbox/retail/pyjson.ts';

let dataPromise: Promise<RetailData> | undefined;
export const retailData = () => (dataPromise ??= loadRetailData());

const fixture = (name: string) => new URL(`../../fixtures/tau-bench-retail/${name}`, import.meta.url);

export interface ReplayCall {
  name: string;
  kwargs: Record<string, unknown>;
  output: string;
  done: boolean;
}
export interface TableDiff {
  changed_final_values: Map<string, PyValue> | Record<string, PyValue>;
  added_keys: string[];
  removed_keys: string[];
}
export interface ReplayTask {
  task_index: bigint;
  user_id: string;
  outputs: string[];
  calls: ReplayCall[];
  final_db_hash_repo: string;
  db_unchanged: boolean;
  final_db_diff: Partial<Record<'users' | 'orders' | 'products', TableDiff>>;
  reward_gt_actions_only: number;
}

/** A replay file parsed with Python's int/float distinction (the diff records hold gift-card ints). */
export function loadReplay(split: 'train' | 'dev'): { header: Record<string, unknown>; tasks: ReplayTask[] } {
  return parsePyJson(readFileSync(fixture(`replay_${split}.json`), 'utf8')) as never;
}

export function loadProbes(): { groups: { group: string; calls: ReplayCall[]; final_db_hash_repo: string }[] } {
  return JSON.parse(readFileSync(fixture('replay_probes.json'), 'utf8'));
}

export function loadCalculateCorpus(): [string, string][] {
  return JSON.parse(readFileSync(fixture('calculate_cpython.json'), 'utf8')).cases;
}

export const entries = (d: Map<string, PyValue> | Record<string, PyValue>): [string, PyValue][] =>
  d instanceof Map ? [...d] : Object.entries(d);
