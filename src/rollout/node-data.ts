// Node loaders for the τ-bench Retail files in public/data/tau-bench-retail (tasks, DB, wiki, tool
// schemas), turned into what episodes need. Node-only (the studio fetches the same files).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toEpisodeTask } from './retail-data.ts';
import type { RetailData } from './retail-view.ts';
import type { EpisodeTask } from './trajectory.ts';

export const RETAIL_DATA_DIR = fileURLToPath(new URL('../../public/data/tau-bench-retail/', import.meta.url));

const readJson = (file: string): unknown => {
  try {
    return JSON.parse(readFileSync(RETAIL_DATA_DIR + file, 'utf8'));
  } catch (e) {
    throw new Error(`τ-bench data: cannot read ${RETAIL_DATA_DIR}${file} (${(e as Error).message})`);
  }
};

export const SPLITS = ['train', 'dev', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export function loadTasks(split: string): EpisodeTask[] {
  if (!(SPLITS as readonly string[]).includes(split)) throw new Error(`unknown split "${split}" (expected ${SPLITS.join(', ')})`);
  const raw = readJson(`tasks_${split}.json`) as Parameters<typeof toEpisodeTask>[1][];
  return raw.map((t, i) => toEpisodeTask(split, t, i));
}

let cachedDb: RetailData | undefined;
/** The initial database, parsed once (treat as read-only). */
export function loadRetailData(): RetailData {
  cachedDb ??= { users: readJson('db/users.json'), orders: readJson('db/orders.json'), products: readJson('db/products.json') } as RetailData;
  return cachedDb;
}

export const loadWiki = (): string => readFileSync(RETAIL_DATA_DIR + 'wiki.md', 'utf8');
export const loadToolSchemas = (): unknown[] => readJson('tools.json') as unknown[];
