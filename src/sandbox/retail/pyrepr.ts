// The text τ-bench hashes to compare DBs (tau_bench.envs.base.Env.get_data_hash):
// sha256(str(to_hashable(data))), where to_hashable turns dicts into tuples of (key, value) sorted
// by key and lists into tuples, and str() is Python's repr. Used to check our DB states against the
// hashes recorded in the reference replays (the verifier itself compares values, not hashes).
import type { RetailDb, RetailTables } from './db.ts';
import { pyFloatRepr, type PyValue } from './pyjson.ts';

// Python's repr(str) for the characters our data can hold; other control characters use \x/\u forms.
function reprStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

function tupleRepr(parts: string[]): string {
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}

/** str(to_hashable(value)) exactly as τ-bench computes it (for the ASCII data of the Retail DB). */
export function pyHashableRepr(value: PyValue): string {
  if (value === null) return 'None';
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return pyFloatRepr(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return reprStr(value);
  }
  if (Array.isArray(value)) return tupleRepr(value.map(pyHashableRepr));
  const entries = value instanceof Map ? [...value] : Object.entries(value);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return tupleRepr(entries.map(([k, v]) => `(${reprStr(k)}, ${pyHashableRepr(v)})`));
}

type ReprCache = Record<'orders' | 'products' | 'users', { ids: string[]; text: string[] }>;
const reprCache = new WeakMap<RetailTables, ReprCache>();
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * str(to_hashable(db)) for a whole episode DB: the text whose SHA-256 is τ-bench's data hash.
 * Untouched records reuse text cached per source DB.
 */
export function pyDataHashText(db: RetailDb): string {
  let cache = reprCache.get(db.base);
  if (!cache) {
    const table = (m: ReadonlyMap<string, PyValue>) => {
      const ids = [...m.keys()].sort(byKey);
      return { ids, text: ids.map((id) => pyHashableRepr(m.get(id)!)) };
    };
    cache = { orders: table(db.base.orders), products: table(db.base.products), users: table(db.base.users) };
    reprCache.set(db.base, cache);
  }
  const tables = (['orders', 'products', 'users'] as const).map((name) => {
    const { ids, text } = cache[name];
    const touched = name === 'products' ? new Set<string>() : db.touched(name);
    const get = (id: string) => (name === 'users' ? db.user(id) : db.order(id))!;
    const body = ids.map((id, i) => `(${reprStr(id)}, ${touched.has(id) ? pyHashableRepr(get(id)) : text[i]})`);
    return `(${reprStr(name)}, ${tupleRepr(body)})`;
  });
  return tupleRepr(tables);
}
