// Loads the τ-bench Retail data shipped in public/data/tau-bench-retail/: in Node from the repo via
// fs, in the browser (and workers) by fetch from /data/tau-bench-retail/. Load once, share everywhere.
import { parseRetailTables } from './db.ts';
import type { RetailData, RetailTask, ToolSchema } from './env.ts';

export type TaskSplit = 'train' | 'dev' | 'test';
/** Reads a file of the data folder as text, given its path relative to that folder. */
export type TextReader = (relPath: string) => Promise<string>;

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** The data folder: public/data/tau-bench-retail in Node, /data/tau-bench-retail/ over HTTP. */
export function defaultReader(): TextReader {
  if (isNode) {
    const dir = new URL(/* @vite-ignore */ '../../../public/data/tau-bench-retail/', import.meta.url); // Node only
    return async (rel) => {
      const fsName = 'node:fs/promises'; // kept out of browser bundles
      const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
      return fs.readFile(new URL(rel, dir), 'utf8');
    };
  }
  return async (rel) => {
    const res = await fetch(`/data/tau-bench-retail/${rel}`);
    if (!res.ok) throw new Error(`could not fetch /data/tau-bench-retail/${rel}: HTTP ${res.status}`);
    return res.text();
  };
}

/** DB, tool schemas, policy wiki and rules. */
export async function loadRetailData(read: TextReader = defaultReader()): Promise<RetailData> {
  const [users, orders, products, tools, wiki, rules] = await Promise.all(
    ['db/users.json', 'db/orders.json', 'db/products.json', 'tools.json', 'wiki.md', 'rules.json'].map(read),
  );
  return {
    tables: parseRetailTables({ users: users!, orders: orders!, products: products! }),
    tools: JSON.parse(tools!) as ToolSchema[],
    wiki: wiki!,
    rules: JSON.parse(rules!) as string[],
  };
}

/** Checks the shape of a task list (from our files or a user's) and fills task_index from the position. */
export function parseTasks(text: string, what = 'tasks'): RetailTask[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new Error(`${what}: expected a JSON array of tasks`);
  return raw.map((t, i) => {
    if (!t || typeof t !== 'object') throw new Error(`${what}[${i}]: a task must be an object`);
    const task = t as Record<string, unknown>;
    if (!Array.isArray(task.actions)) throw new Error(`${what}[${i}]: "actions" must be an array`);
    task.actions.forEach((a: unknown, j: number) => {
      const act = a as Record<string, unknown> | null;
      if (!act || typeof act.name !== 'string') throw new Error(`${what}[${i}].actions[${j}]: "name" must be a string`);
      if (act.kwargs !== undefined && (typeof act.kwargs !== 'object' || act.kwargs === null || Array.isArray(act.kwargs))) {
        throw new Error(`${what}[${i}].actions[${j}]: "kwargs" must be an object`);
      }
    });
    if (task.outputs !== undefined && !(Array.isArray(task.outputs) && task.outputs.every((o) => typeof o === 'string'))) {
      throw new Error(`${what}[${i}]: "outputs" must be an array of strings`);
    }
    if (task.task_index !== undefined && !Number.isInteger(task.task_index)) throw new Error(`${what}[${i}]: "task_index" must be an integer`);
    return {
      ...task,
      user_id: String(task.user_id ?? ''),
      actions: (task.actions as { name: string; kwargs?: Record<string, unknown> }[]).map((a) => ({ name: a.name, kwargs: a.kwargs ?? {} })),
      outputs: (task.outputs as string[] | undefined) ?? [],
      task_index: (task.task_index as number | undefined) ?? i,
    } as RetailTask;
  });
}

/** The train, dev or test tasks. */
export async function loadTasks(split: TaskSplit, read: TextReader = defaultReader()): Promise<RetailTask[]> {
  return parseTasks(await read(`tasks_${split}.json`), `tasks_${split}.json`);
}
