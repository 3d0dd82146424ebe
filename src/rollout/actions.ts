// τ-bench Retail tool classes and ground-truth action matching, shared by the oracle agent, the
// scripted user and the reference judge.
import type { ToolAction } from './trajectory.ts';

/** Tools that change the database (consent required by the policy wiki). */
export const WRITE_TOOLS: ReadonlySet<string> = new Set([
  'cancel_pending_order',
  'exchange_delivered_order_items',
  'modify_pending_order_address',
  'modify_pending_order_items',
  'modify_pending_order_payment',
  'modify_user_address',
  'return_delivered_order_items',
]);

export const TRANSFER_TOOL = 'transfer_to_human_agents';
export const AUTH_TOOLS: ReadonlySet<string> = new Set(['find_user_id_by_email', 'find_user_id_by_name_zip']);

export const isWriteTool = (name: string) => WRITE_TOOLS.has(name);

/** True when a tool observation reports a failure (τ-bench error strings). */
export function isErrorObservation(output: string): boolean {
  return output.startsWith('Error') || output.startsWith('Unknown action');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Item lists are compared as multisets (exchange/modify: as old→new pairs), other values exactly. */
function normalisedKwargs(a: ToolAction): string {
  const k = { ...a.kwargs };
  const items = k.item_ids;
  const news = k.new_item_ids;
  if (Array.isArray(items) && Array.isArray(news) && items.length === news.length) {
    k.item_ids = items.map((x, i) => `${canonical(x)}>${canonical(news[i])}`).sort();
    delete k.new_item_ids;
  } else if (Array.isArray(items)) {
    k.item_ids = items.map(canonical).sort();
  }
  return canonical(k);
}

export function actionsMatch(a: ToolAction, b: ToolAction): boolean {
  return a.name === b.name && normalisedKwargs(a) === normalisedKwargs(b);
}

/** Index of the first not-yet-used ground-truth action equal to `call`, or −1. */
export function findUnmatched(call: ToolAction, truth: readonly ToolAction[], used: readonly boolean[]): number {
  for (let i = 0; i < truth.length; i++) if (!used[i] && actionsMatch(call, truth[i])) return i;
  return -1;
}
