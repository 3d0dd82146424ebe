// Templated sentences about ground-truth actions: the oracle agent's proposals (with the exact ids,
// so a reader can check them) and the scripted customer's first-person requests (names and options,
// as a real customer would say them).
import { describeAddress, describeOrderItem, describePayment, describeVariant, type RetailData } from './retail-view.ts';
import type { ToolAction } from './trajectory.ts';

const str = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : []);
const join = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/** The agent's proposal of a write action, naming every id; ends with a yes/no question. */
export function proposalText(db: RetailData, userId: string, a: ToolAction): string {
  const k = a.kwargs;
  const order = str(k.order_id);
  const pm = k.payment_method_id ? `${describePayment(db, userId, str(k.payment_method_id))} (${str(k.payment_method_id)})` : '';
  const olds = list(k.item_ids);
  const news = list(k.new_item_ids);
  const pairs = olds.map((o, i) => `${describeOrderItem(db, order, o)} [item ${o}] for ${describeVariant(db, news[i])} [item ${news[i]}]`);
  let what: string;
  switch (a.name) {
    case 'cancel_pending_order':
      what = `cancel order ${order} with the reason "${str(k.reason)}"`;
      break;
    case 'return_delivered_order_items':
      what = `return ${join(olds.map((o) => `${describeOrderItem(db, order, o)} [item ${o}]`))} from order ${order}, refunding to ${pm}`;
      break;
    case 'exchange_delivered_order_items':
      what = `exchange, in delivered order ${order}, ${join(pairs)}, settling any price difference with ${pm}`;
      break;
    case 'modify_pending_order_items':
      what = `change, in pending order ${order}, ${join(pairs)}, settling any price difference with ${pm}`;
      break;
    case 'modify_pending_order_address':
      what = `change the shipping address of order ${order} to ${describeAddress(k)}`;
      break;
    case 'modify_pending_order_payment':
      what = `change the payment method of order ${order} to ${pm}`;
      break;
    case 'modify_user_address':
      what = `update your default address to ${describeAddress(k)}`;
      break;
    default:
      what = `run ${a.name} with ${JSON.stringify(k)}`;
  }
  return `I can ${what}. Would you like me to proceed (yes/no)?`;
}

/** The customer's first-person statement of what they want done. */
export function requestText(db: RetailData, userId: string, a: ToolAction): string {
  const k = a.kwargs;
  const order = str(k.order_id);
  const pm = k.payment_method_id ? describePayment(db, userId, str(k.payment_method_id)) : '';
  const olds = list(k.item_ids).map((o) => describeOrderItem(db, order, o));
  const news = list(k.new_item_ids).map((n) => describeVariant(db, n));
  const swaps = join(olds.map((o, i) => `the ${o} for ${news[i]}`));
  switch (a.name) {
    case 'cancel_pending_order':
      return `I want to cancel order ${order}, the reason is: ${str(k.reason)}.`;
    case 'return_delivered_order_items':
      return `I want to return the ${join(olds)} from order ${order}, with the refund to my ${pm}.`;
    case 'exchange_delivered_order_items':
      return `In order ${order} I want to exchange ${swaps}, using my ${pm} for any difference.`;
    case 'modify_pending_order_items':
      return `In my pending order ${order} I want to change ${swaps}, using my ${pm} for any difference.`;
    case 'modify_pending_order_address':
      return `I want order ${order} shipped to ${describeAddress(k)}.`;
    case 'modify_pending_order_payment':
      return `I want to pay for order ${order} with my ${pm}.`;
    case 'modify_user_address':
      return `I want to update my default address to ${describeAddress(k)}.`;
    default:
      return `I need help with ${a.name.replace(/_/g, ' ')}.`;
  }
}
