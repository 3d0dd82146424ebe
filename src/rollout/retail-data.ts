// Browser-safe loading of what episodes need besides the sandbox: the plain-JSON DB view used by
// the oracle and the scripted user, and τ-bench tasks as EpisodeTasks. (Node: node-data.ts reads the
// same files synchronously.)
import type { RetailData } from './retail-view.ts';
import type { EpisodeTask } from './trajectory.ts';

export type TextFetcher = (relPath: string) => Promise<string>;

/** Fetches relative to the served data folder (the studio serves public/ at /). */
export const httpFetcher = (base = '/data/tau-bench-retail/'): TextFetcher => async (rel) => {
  const res = await fetch(base + rel);
  if (!res.ok) throw new Error(`could not fetch ${base}${rel}: HTTP ${res.status}`);
  return res.text();
};

export async function fetchRetailView(read: TextFetcher = httpFetcher()): Promise<RetailData> {
  const [users, orders, products] = await Promise.all(['db/users.json', 'db/orders.json', 'db/products.json'].map(read));
  return { users: JSON.parse(users), orders: JSON.parse(orders), products: JSON.parse(products) } as RetailData;
}

/** A τ-bench task record (tasks_*.json or the sandbox's RetailTask) as an EpisodeTask. */
export function toEpisodeTask(
  split: string,
  t: { user_id: string; instruction?: string; actions: { name: string; kwargs?: Record<string, unknown> }[]; outputs?: string[]; task_index?: number },
  position: number,
): EpisodeTask {
  return {
    split,
    index: t.task_index ?? position,
    userId: t.user_id,
    instruction: t.instruction ?? '',
    actions: t.actions.map((a) => ({ name: a.name, kwargs: a.kwargs ?? {} })),
    outputs: t.outputs ?? [],
  };
}
