// The Retail DB (users, orders, products) with copy-on-write episodes. The parsed source DB is shared
// read-only by every episode; an episode clones a user or order the first time a tool writes it, so
// starting an episode is O(1) and comparing two episodes only looks at the records either touched.
// Writes are staged per tool call and committed only if the call succeeds, so a failing call leaves
// the DB exactly as it was.
import { canonicalJson, parsePyJson, type PyMap, type PyObject, type PyValue } from './pyjson.ts';
import type { PyNum } from './pynum.ts';

export interface Address extends PyObject {
  address1: string;
  address2: string;
  city: string;
  country: string;
  state: string;
  zip: string;
}
export interface PaymentMethod extends PyObject {
  source: string;
  id: string;
}
export interface User extends PyObject {
  name: PyObject & { first_name: string; last_name: string };
  address: Address;
  email: string;
  payment_methods: PyObject;
  orders: string[];
}
export interface OrderItem extends PyObject {
  name: string;
  product_id: string;
  item_id: string;
  price: number;
  options: PyObject;
}
export interface Payment extends PyObject {
  transaction_type: string;
  amount: PyNum;
  payment_method_id: string;
}
export interface Order extends PyObject {
  order_id: string;
  user_id: string;
  address: Address;
  items: OrderItem[];
  fulfillments: PyValue[];
  status: string;
  payment_history: Payment[];
}
export interface Variant extends PyObject {
  item_id: string;
  options: PyObject;
  available: boolean;
  price: number;
}
export interface Product extends PyObject {
  name: string;
  product_id: string;
  variants: PyMap;
}

/** The immutable source tables, in the source files' key order. */
export interface RetailTables {
  users: ReadonlyMap<string, User>;
  orders: ReadonlyMap<string, Order>;
  products: ReadonlyMap<string, Product>;
}

export interface RetailDbFiles {
  users: string;
  orders: string;
  products: string;
}

function toMap<T>(v: PyValue, what: string): Map<string, T> {
  if (v instanceof Map) return v as Map<string, T>;
  if (v && typeof v === 'object' && !Array.isArray(v)) return new Map(Object.entries(v) as [string, T][]);
  throw new Error(`${what}.json must hold a JSON object`);
}

/** Parses the three DB files (text) keeping Python's int/float distinction and key order. */
export function parseRetailTables(files: RetailDbFiles): RetailTables {
  const products = toMap<Product>(parsePyJson(files.products), 'products');
  // Variant ids are integer-like; the parser makes a Map only when one is below 2^32, so normalize.
  for (const p of products.values()) p.variants = toMap(p.variants, 'products');
  return {
    users: toMap<User>(parsePyJson(files.users), 'users'),
    orders: toMap<Order>(parsePyJson(files.orders), 'orders'),
    products,
  };
}

/** Deep copy of a JSON-like value (plain objects, Maps, arrays, primitives incl. bigint). */
export function clonePy<T extends PyValue>(v: T): T {
  return cloneValue(v) as T;
}

function cloneValue(v: PyValue): PyValue {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out: PyValue[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneValue(v[i]!);
    return out;
  }
  if (v instanceof Map) {
    const out: PyMap = new Map();
    for (const [k, e] of v) out.set(k, cloneValue(e));
    return out;
  }
  const out: PyObject = {};
  for (const k in v) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: cloneValue(v[k]!), enumerable: true, writable: true, configurable: true });
    else out[k] = cloneValue(v[k]!);
  }
  return out;
}

/**
 * Equality of DB values as τ-bench's hash sees it: dict key order ignored, list order significant,
 * int and float distinct (49 != 49.0 in its repr-based hash). With `pythonEq`, Python's `==` instead
 * (49 == 49.0).
 */
export function pyDeepEqual(a: PyValue, b: PyValue, pythonEq = false): boolean {
  if (a === b) return typeof a !== 'number' || Object.is(a, b) || pythonEq;
  if (pythonEq && (typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return Number(a) === Number(b);
  }
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyDeepEqual(a[i]!, b[i]!, pythonEq)) return false;
    return true;
  }
  const ea = a instanceof Map ? a : new Map(Object.entries(a));
  const eb = b instanceof Map ? b : new Map(Object.entries(b));
  if (ea.size !== eb.size) return false;
  for (const [k, v] of ea) {
    if (!eb.has(k) || !pyDeepEqual(v, eb.get(k)!, pythonEq)) return false;
  }
  return true;
}

type Table = 'users' | 'orders';

// Canonical text of each source table, cut into entries, so an episode re-serializes only its writes.
interface TableText {
  index: Map<string, number>; // id -> entry position (ids sorted)
  joined: string; // '"id":{...},"id":{...},...'
  offsets: number[]; // start of each entry in `joined`; offsets[n] = joined.length + 1
}
type CanonicalCache = Record<'orders' | 'products' | 'users', TableText>;
const canonicalCache = new WeakMap<RetailTables, CanonicalCache>();

function buildCanonicalCache(base: RetailTables): CanonicalCache {
  const table = (m: ReadonlyMap<string, PyValue>): TableText => {
    const ids = [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const entries = ids.map((id) => `${JSON.stringify(id)}:${canonicalJson(m.get(id)!)}`);
    const offsets: number[] = [];
    let at = 0;
    for (const e of entries) offsets.push(at), (at += e.length + 1);
    offsets.push(at);
    return { index: new Map(ids.map((id, i) => [id, i])), joined: entries.join(','), offsets };
  };
  return { orders: table(base.orders), products: table(base.products), users: table(base.users) };
}

/** One episode's view of the DB. */
export class RetailDb {
  private readonly written = { users: new Map<string, User>(), orders: new Map<string, Order>() };
  private staged: { users: Map<string, User>; orders: Map<string, Order> } | null = null;

  constructor(readonly base: RetailTables) {}

  user(id: string): User | undefined {
    return this.staged?.users.get(id) ?? this.written.users.get(id) ?? this.base.users.get(id);
  }
  order(id: string): Order | undefined {
    return this.staged?.orders.get(id) ?? this.written.orders.get(id) ?? this.base.orders.get(id);
  }
  product(id: string): Product | undefined {
    return this.base.products.get(id);
  }
  hasUser(id: string): boolean {
    return this.base.users.has(id);
  }
  hasOrder(id: string): boolean {
    return this.base.orders.has(id);
  }
  hasProduct(id: string): boolean {
    return this.base.products.has(id);
  }
  /** Users in the source order (tools search them first to last, as Python iterates the dict). */
  *users(): Generator<[string, User]> {
    for (const id of this.base.users.keys()) yield [id, this.user(id)!];
  }
  products(): IterableIterator<Product> {
    return this.base.products.values();
  }

  /** Runs `fn` as one tool call: its writes become visible only if it returns without throwing. */
  transaction<T>(fn: () => T): T {
    this.staged = { users: new Map(), orders: new Map() };
    try {
      const result = fn();
      for (const [id, u] of this.staged.users) this.written.users.set(id, u);
      for (const [id, o] of this.staged.orders) this.written.orders.set(id, o);
      return result;
    } finally {
      this.staged = null;
    }
  }

  private writable<T extends User | Order>(table: Table, id: string): T {
    if (!this.staged) throw new Error('DB writes must happen inside a transaction');
    const staged = this.staged[table] as Map<string, T>;
    let rec = staged.get(id);
    if (!rec) {
      const current = (table === 'users' ? this.user(id) : this.order(id)) as T | undefined;
      if (!current) throw new Error(`no ${table} record ${id}`);
      rec = clonePy(current);
      staged.set(id, rec);
    }
    return rec;
  }
  /** The user record, cloned for writing within the current transaction. */
  writableUser(id: string): User {
    return this.writable<User>('users', id);
  }
  writableOrder(id: string): Order {
    return this.writable<Order>('orders', id);
  }

  /** Ids of the records this episode has changed (or rewritten identically). */
  touched(table: Table): ReadonlySet<string> {
    return new Set(this.written[table].keys());
  }

  /** True when both episodes hold equal data (Python semantics); only touched records are compared. */
  equals(other: RetailDb): boolean {
    if (other.base !== this.base) return pyDeepEqual(this.snapshot(), other.snapshot());
    for (const table of ['users', 'orders'] as const) {
      const ids = new Set([...this.written[table].keys(), ...other.written[table].keys()]);
      for (const id of ids) {
        const a = table === 'users' ? this.user(id) : this.order(id);
        const b = table === 'users' ? other.user(id) : other.order(id);
        if (!pyDeepEqual(a!, b!)) return false;
      }
    }
    return true;
  }

  /** The whole DB as one value {orders, products, users} (records shared, not copied: do not mutate). */
  snapshot(): PyObject {
    const table = <T extends PyValue>(ids: Iterable<string>, get: (id: string) => T): PyMap => {
      const m: PyMap = new Map();
      for (const id of ids) m.set(id, get(id));
      return m;
    };
    return {
      orders: table(this.base.orders.keys(), (id) => this.order(id)!),
      products: table(this.base.products.keys(), (id) => this.product(id)!),
      users: table(this.base.users.keys(), (id) => this.user(id)!),
    };
  }

  /**
   * The canonical text of the whole DB (sorted keys, no whitespace, JS number formatting),
   * as pieces to concatenate or hash in order: untouched stretches of each table are slices of text
   * cached per source DB, so only this episode's writes are serialized.
   */
  canonicalJsonPieces(): string[] {
    let cache = canonicalCache.get(this.base);
    if (!cache) canonicalCache.set(this.base, (cache = buildCanonicalCache(this.base)));
    const pieces: string[] = ['{'];
    (['orders', 'products', 'users'] as const).forEach((name, t) => {
      const { index, joined, offsets } = cache[name];
      pieces.push(`${t ? ',' : ''}${JSON.stringify(name)}:{`);
      const written: ReadonlyMap<string, PyValue> = name === 'products' ? new Map() : this.written[name];
      const at = [...written.keys()].map((id) => [index.get(id)!, id] as const).sort((a, b) => a[0] - b[0]);
      let from = 0;
      for (const [i, id] of at) {
        pieces.push(joined.slice(from, offsets[i]), `${JSON.stringify(id)}:${canonicalJson(written.get(id)!)}`);
        from = offsets[i + 1]! - 1; // the comma after entry i (or the end)
      }
      pieces.push(joined.slice(from), '}');
    });
    pieces.push('}');
    return pieces;
  }

  canonicalJson(): string {
    return this.canonicalJsonPieces().join('');
  }
}
