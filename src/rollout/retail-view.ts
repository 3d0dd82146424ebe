// Read-only view of the τ-bench Retail database used by the oracle agent and the scripted user to
// phrase messages (item descriptions, payment methods, addresses). Plain JSON shapes, as in
// public/data/tau-bench-retail/db/*.json.
export interface RetailUser {
  name: { first_name: string; last_name: string };
  address: Record<string, string>;
  email: string;
  payment_methods: Record<string, { source: string; brand?: string; last_four?: string; id: string; balance?: number }>;
  orders: string[];
}
export interface RetailOrderItem { name: string; product_id: string; item_id: string; price: number; options: Record<string, string> }
export interface RetailOrder { order_id: string; user_id: string; items: RetailOrderItem[]; status: string; address: Record<string, string> }
export interface RetailProduct { name: string; product_id: string; variants: Record<string, { item_id: string; options: Record<string, string>; available: boolean; price: number }> }
export interface RetailData {
  users: Record<string, RetailUser>;
  orders: Record<string, RetailOrder>;
  products: Record<string, RetailProduct>;
}

const optionsText = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}: ${v}`).join(', ');

/** "Water Bottle (capacity: 1000ml, material: glass)" for an item of an order. */
export function describeOrderItem(db: RetailData, orderId: string, itemId: string): string {
  const item = db.orders[orderId]?.items.find((i) => i.item_id === itemId);
  return item ? `${item.name} (${optionsText(item.options)})` : `item ${itemId}`;
}

/** The options of a catalogue variant, found by item id across products. */
export function describeVariant(db: RetailData, itemId: string): string {
  for (const p of Object.values(db.products)) {
    const v = p.variants[itemId];
    if (v) return `${p.name} (${optionsText(v.options)})`;
  }
  return `item ${itemId}`;
}

export function describePayment(db: RetailData, userId: string, paymentId: string): string {
  const pm = db.users[userId]?.payment_methods[paymentId];
  if (!pm) return paymentId;
  if (pm.source === 'credit_card') return `${pm.brand ?? ''} credit card ending in ${pm.last_four ?? '?'}`.trim();
  if (pm.source === 'gift_card') return 'gift card';
  return pm.source;
}

export function describeAddress(a: Record<string, unknown>): string {
  return [a.address1, a.address2, a.city, a.state, a.zip, a.country].filter((x) => typeof x === 'string' && x).join(', ');
}
