// The 16 τ-bench Retail tools, ported line by line from tau_bench/envs/retail/tools/*.py: same checks
// in the same order, same mutations, same return strings (json.dumps text via pyDumps).
import { calculate } from './calculate.ts';
import type { Order, Payment, RetailDb, User } from './db.ts';
import { pyDumps, type PyObject } from './pyjson.ts';
import { pyAbs, pyAdd, pyGreater, pyLess, pyRound, pySub, type PyNum } from './pynum.ts';

/** A Python exception raised inside a tool; τ-bench's Env.step returns it as "Error: <str(e)>". */
export class ToolException extends Error {}

/** KeyError's str() is the repr of the key. */
function keyError(key: string): ToolException {
  return new ToolException(`'${key}'`);
}

export type ArgKind = 'str' | 'list[str]';
export interface ToolImpl {
  name: string;
  /** The Python class name (error messages such as "GetOrderDetails.invoke() missing ..."). */
  className: string;
  /** Parameters in the Python signature's order. */
  params: [string, ArgKind][];
  run(db: RetailDb, a: Record<string, unknown>): string;
}

const s = (v: unknown) => v as string;
const l = (v: unknown) => v as string[];

/** Python's `list.count`. */
function count(list: readonly string[], x: string): number {
  let n = 0;
  for (const e of list) if (e === x) n++;
  return n;
}

function balanceOf(pm: PyObject): PyNum {
  const b = pm['balance'];
  if (typeof b !== 'number' && typeof b !== 'bigint') throw keyError('balance');
  return b;
}

/** Python `d.get(key)` on a plain-object dict: own keys only (never Object.prototype's). */
function own(d: PyObject, key: string): PyObject | undefined {
  return Object.hasOwn(d, key) ? (d[key] as PyObject) : undefined;
}

function paymentMethodsOf(db: RetailDb, userId: string): PyObject {
  const user = db.user(userId);
  if (!user) throw keyError(userId);
  return user.payment_methods;
}

function firstPayment(order: Order): Payment {
  const p = order.payment_history[0];
  if (!p) throw new ToolException('list index out of range');
  return p;
}

/** The order's first item with this id (Python: `[item for item in order["items"] if ...][0]`). */
function firstItem(order: Order, itemId: string) {
  const item = order.items.find((it) => it.item_id === itemId);
  if (!item) throw new ToolException('list index out of range');
  return item;
}

function variantOf(db: RetailDb, productId: string, itemId: string): PyObject | undefined {
  const product = db.product(productId);
  if (!product) throw keyError(productId);
  return product.variants.get(itemId) as PyObject | undefined;
}

/** Adds `amount` to a gift card balance and rounds it to cents, as τ-bench does after every change. */
function changeBalance(pm: PyObject, delta: PyNum): void {
  pm['balance'] = pyRound(pyAdd(balanceOf(pm), delta), 2);
}

function newAddress(a: Record<string, unknown>): PyObject {
  return { address1: s(a.address1), address2: s(a.address2), city: s(a.city), state: s(a.state), country: s(a.country), zip: s(a.zip) };
}

/** Checks shared by the two item-changing tools; returns the price difference or an error string. */
function itemSwapPrice(db: RetailDb, order: Order, itemIds: string[], newItemIds: string[]): PyNum | string {
  const all = order.items.map((it) => it.item_id);
  for (const id of itemIds) if (count(itemIds, id) > count(all, id)) return `Error: ${id} not found`;
  if (itemIds.length !== newItemIds.length) return 'Error: the number of items to be exchanged should match';
  let diff: PyNum = 0n;
  for (let i = 0; i < itemIds.length; i++) {
    const item = firstItem(order, itemIds[i]!);
    const variant = variantOf(db, item.product_id, newItemIds[i]!);
    if (!(variant && variant['available'])) return `Error: new item ${newItemIds[i]} not found or available`;
    diff = pyAdd(diff, pySub(variant['price'] as PyNum, item.price));
  }
  return diff;
}

const ADDRESS: [string, ArgKind][] = ['address1', 'address2', 'city', 'state', 'country', 'zip'].map((p) => [p, 'str']);

export const TOOLS: ToolImpl[] = [
  {
    name: 'calculate',
    className: 'Calculate',
    params: [['expression', 'str']],
    run: (_db, a) => calculate(s(a.expression)),
  },
  {
    name: 'cancel_pending_order',
    className: 'CancelPendingOrder',
    params: [['order_id', 'str'], ['reason', 'str']],
    run(db, a) {
      const orderId = s(a.order_id);
      const current = db.order(orderId);
      if (!current) return 'Error: order not found';
      if (current.status !== 'pending') return 'Error: non-pending order cannot be cancelled';
      if (!['no longer needed', 'ordered by mistake'].includes(s(a.reason))) return 'Error: invalid reason';
      const order = db.writableOrder(orderId);
      const refunds: Payment[] = [];
      for (const payment of order.payment_history) {
        const pid = payment.payment_method_id;
        refunds.push({ transaction_type: 'refund', amount: payment.amount, payment_method_id: pid });
        if (pid.includes('gift_card')) {
          if (!db.hasUser(order.user_id)) throw keyError(order.user_id);
          const pm = own(db.writableUser(order.user_id).payment_methods, pid);
          if (!pm) throw keyError(pid);
          changeBalance(pm, payment.amount);
        }
      }
      order.status = 'cancelled';
      order['cancel_reason'] = s(a.reason);
      order.payment_history.push(...refunds);
      return pyDumps(order);
    },
  },
  {
    name: 'exchange_delivered_order_items',
    className: 'ExchangeDeliveredOrderItems',
    params: [['order_id', 'str'], ['item_ids', 'list[str]'], ['new_item_ids', 'list[str]'], ['payment_method_id', 'str']],
    run(db, a) {
      const orderId = s(a.order_id);
      const current = db.order(orderId);
      if (!current) return 'Error: order not found';
      if (current.status !== 'delivered') return 'Error: non-delivered order cannot be exchanged';
      const swap = itemSwapPrice(db, current, l(a.item_ids), l(a.new_item_ids));
      if (typeof swap === 'string') return swap;
      const diff = pyRound(swap, 2);
      const methods = paymentMethodsOf(db, current.user_id);
      const pm = own(methods, s(a.payment_method_id));
      if (!pm) return 'Error: payment method not found';
      if (pm['source'] === 'gift_card' && pyLess(balanceOf(pm), diff)) return 'Error: insufficient gift card balance to pay for the price difference';
      const order = db.writableOrder(orderId);
      order.status = 'exchange requested';
      order['exchange_items'] = [...l(a.item_ids)].sort();
      order['exchange_new_items'] = [...l(a.new_item_ids)].sort();
      order['exchange_payment_method_id'] = s(a.payment_method_id);
      order['exchange_price_difference'] = diff;
      return pyDumps(order);
    },
  },
  {
    name: 'find_user_id_by_email',
    className: 'FindUserIdByEmail',
    params: [['email', 'str']],
    run(db, a) {
      const email = s(a.email).toLowerCase();
      for (const [id, user] of db.users()) if (user.email.toLowerCase() === email) return id;
      return 'Error: user not found';
    },
  },
  {
    name: 'find_user_id_by_name_zip',
    className: 'FindUserIdByNameZip',
    params: [['first_name', 'str'], ['last_name', 'str'], ['zip', 'str']],
    run(db, a) {
      const first = s(a.first_name).toLowerCase();
      const last = s(a.last_name).toLowerCase();
      for (const [id, user] of db.users()) {
        if (user.name.first_name.toLowerCase() === first && user.name.last_name.toLowerCase() === last && user.address.zip === a.zip) return id;
      }
      return 'Error: user not found';
    },
  },
  {
    name: 'get_order_details',
    className: 'GetOrderDetails',
    params: [['order_id', 'str']],
    run: (db, a) => {
      const order = db.order(s(a.order_id));
      return order ? pyDumps(order) : 'Error: order not found';
    },
  },
  {
    name: 'get_product_details',
    className: 'GetProductDetails',
    params: [['product_id', 'str']],
    run: (db, a) => {
      const product = db.product(s(a.product_id));
      return product ? pyDumps(product) : 'Error: product not found';
    },
  },
  {
    name: 'get_user_details',
    className: 'GetUserDetails',
    params: [['user_id', 'str']],
    run: (db, a) => {
      const user = db.user(s(a.user_id));
      return user ? pyDumps(user) : 'Error: user not found';
    },
  },
  {
    name: 'list_all_product_types',
    className: 'ListAllProductTypes',
    params: [],
    run(db) {
      const byName = new Map<string, string>();
      for (const p of db.products()) byName.set(p.name, p.product_id);
      const sorted = [...byName].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
      return pyDumps(new Map(sorted));
    },
  },
  {
    name: 'modify_pending_order_address',
    className: 'ModifyPendingOrderAddress',
    params: [['order_id', 'str'], ...ADDRESS],
    run(db, a) {
      const orderId = s(a.order_id);
      const current = db.order(orderId);
      if (!current) return 'Error: order not found';
      if (current.status !== 'pending') return 'Error: non-pending order cannot be modified';
      const order = db.writableOrder(orderId);
      order.address = newAddress(a) as Order['address'];
      return pyDumps(order);
    },
  },
  {
    name: 'modify_pending_order_items',
    className: 'ModifyPendingOrderItems',
    params: [['order_id', 'str'], ['item_ids', 'list[str]'], ['new_item_ids', 'list[str]'], ['payment_method_id', 'str']],
    run(db, a) {
      const orderId = s(a.order_id);
      const current = db.order(orderId);
      if (!current) return 'Error: order not found';
      if (current.status !== 'pending') return 'Error: non-pending order cannot be modified';
      const itemIds = l(a.item_ids);
      const newItemIds = l(a.new_item_ids);
      const diff = itemSwapPrice(db, current, itemIds, newItemIds); // not rounded here, as in τ-bench
      if (typeof diff === 'string') return diff;
      const pmId = s(a.payment_method_id);
      const pmNow = own(paymentMethodsOf(db, current.user_id), pmId);
      if (!pmNow) return 'Error: payment method not found';
      if (pmNow['source'] === 'gift_card' && pyLess(balanceOf(pmNow), diff)) return 'Error: insufficient gift card balance to pay for the new item';
      const order = db.writableOrder(orderId);
      order.payment_history.push({ transaction_type: pyGreater(diff, 0n) ? 'payment' : 'refund', amount: pyAbs(diff), payment_method_id: pmId });
      if (pmNow['source'] === 'gift_card') {
        changeBalance(own(db.writableUser(order.user_id).payment_methods, pmId)!, pySub(0n, diff));
      }
      for (let i = 0; i < itemIds.length; i++) {
        const item = firstItem(order, itemIds[i]!);
        const variant = variantOf(db, item.product_id, newItemIds[i]!)!;
        item.item_id = newItemIds[i]!;
        item.price = variant['price'] as number;
        item.options = variant['options'] as PyObject; // shared with the product, as in Python (never mutated)
      }
      order.status = 'pending (item modified)';
      return pyDumps(order);
    },
  },
  {
    name: 'modify_pending_order_payment',
    className: 'ModifyPendingOrderPayment',
    params: [['order_id', 'str'], ['payment_method_id', 'str']],
    run(db, a) {
      const orderId = s(a.order_id);
      const current = db.order(orderId);
      if (!current) return 'Error: order not found';
      if (current.status !== 'pending') return 'Error: non-pending order cannot be modified';
      const pmId = s(a.payment_method_id);
      const methods = paymentMethodsOf(db, current.user_id);
      const pmNow = own(methods, pmId);
      if (!pmNow) return 'Error: payment method not found';
      if (current.payment_history.length > 1 || firstPayment(current).transaction_type !== 'payment') {
        return 'Error: there should be exactly one payment for a pending order';
      }
      const first = firstPayment(current);
      if (first.payment_method_id === pmId) return 'Error: the new payment method should be different from the current one';
      const amount = first.amount;
      if (pmNow['source'] === 'gift_card' && pyLess(balanceOf(pmNow), amount)) return 'Error: insufficient gift card balance to pay for the order';
      const order = db.writableOrder(orderId);
      order.payment_history.push(
        { transaction_type: 'payment', amount, payment_method_id: pmId },
        { transaction_type: 'refund', amount, payment_method_id: first.payment_method_id },
      );
      if (pmNow['source'] === 'gift_card') changeBalance(own(db.writableUser(order.user_id).payment_methods, pmId)!, pySub(0n, amount));
      if (first.payment_method_id.includes('gift_card')) {
        const old = own(db.writableUser(order.user_id).payment_methods, first.payment_method_id);
        if (!old) throw keyError(first.payment_method_id);
        changeBalance(old, amount);
      }
      return pyDumps(order);
    },
  },
  {
    name: 'modify_user_address',
    className: 'ModifyUserAddress',
    params: [['user_id', 'str'], ...ADDRESS],
    run(db, a) {
      const userId = s(a.user_id);
      if (!db.hasUser(userId)) return 'Error: user not found';
      const user: User = db.writableUser(userId);
      user.address = newAddress(a) as User['address'];
      return pyDumps(user);
    },
  },
  {
    name: 'return_delivered_order_items',
    className: 'ReturnDeliveredOrderItems',
    params: [['order_id', 'str'], ['item_ids', 'list[str]'], ['payment_method_id', 'str']],
    run(db, a) {
      const orderId = s(a.order_id);
      const current = db.order(orderId);
      if (!current) return 'Error: order not found';
      if (current.status !== 'delivered') return 'Error: non-delivered order cannot be returned';
      const pmId = s(a.payment_method_id);
      if (!own(paymentMethodsOf(db, current.user_id), pmId)) return 'Error: payment method not found';
      if (!pmId.includes('gift_card') && pmId !== firstPayment(current).payment_method_id) {
        return 'Error: payment method should be either the original payment method or a gift card';
      }
      const itemIds = l(a.item_ids);
      const all = current.items.map((it) => it.item_id);
      for (const id of itemIds) if (count(itemIds, id) > count(all, id)) return 'Error: some item not found';
      const order = db.writableOrder(orderId);
      order.status = 'return requested';
      order['return_items'] = [...itemIds].sort();
      order['return_payment_method_id'] = pmId;
      return pyDumps(order);
    },
  },
  { name: 'think', className: 'Think', params: [['thought', 'str']], run: () => '' },
  { name: 'transfer_to_human_agents', className: 'TransferToHumanAgents', params: [['summary', 'str']], run: () => 'Transfer successful' },
];

export const TOOLS_BY_NAME: ReadonlyMap<string, ToolImpl> = new Map(TOOLS.map((t) => [t.name, t]));
/** Tools whose call ends the episode (τ-bench's terminate_tools). */
export const TERMINATE_TOOLS: ReadonlySet<string> = new Set(['transfer_to_human_agents']);
