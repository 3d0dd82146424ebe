// Bad tool calls: each gives an error string (τ-bench's exact text where τ-bench defines one), never
// an exception, and never a changed DB.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RetailEnv, TOOLS, type RetailData } from '../../../src/sandbox/retail/index.ts';
import { retailData } from './fixtures.ts';

let data: RetailData;
beforeAll(async () => {
  data = await retailData();
});
const dbHash = (env: RetailEnv) => createHash('sha256').update(env.db.canonicalJson()).digest('hex');
const MB = 'x'.repeat(1 << 20);
const pendingOrder = '#W8367380'; // pending, user ava_nguyen_6646, paid by credit_card_5683823
const deliveredOrder = '#W9077205';

describe('bad tool calls', () => {
  const cases: [string, string, unknown, string | RegExp][] = [
    ['unknown tool', 'delete_everything', { order_id: pendingOrder }, 'Unknown action delete_everything'],
    ['missing argument', 'cancel_pending_order', { order_id: pendingOrder }, "Error: CancelPendingOrder.invoke() missing 1 required positional argument: 'reason'"],
    [
      'several missing arguments',
      'modify_pending_order_items',
      { order_id: pendingOrder },
      "Error: ModifyPendingOrderItems.invoke() missing 3 required positional arguments: 'item_ids', 'new_item_ids', and 'payment_method_id'",
    ],
    ['extra argument', 'cancel_pending_order', { order_id: pendingOrder, reason: 'no longer needed', force: true }, "Error: CancelPendingOrder.invoke() got an unexpected keyword argument 'force'"],
    [
      'an argument named data',
      'get_order_details',
      { order_id: pendingOrder, data: {} },
      "Error: tau_bench.envs.retail.tools.get_order_details.GetOrderDetails.invoke() got multiple values for keyword argument 'data'",
    ],
    ['number for a string', 'cancel_pending_order', { order_id: 8367380, reason: 'no longer needed' }, "Error: CancelPendingOrder.invoke() argument 'order_id' must be str, not int"],
    ['string for a list', 'return_delivered_order_items', { order_id: deliveredOrder, item_ids: '9370300555', payment_method_id: 'gift_card_7108145' }, /argument 'item_ids' must be a list of str, not str/],
    ['list of numbers', 'modify_pending_order_items', { order_id: pendingOrder, item_ids: [1], new_item_ids: [2], payment_method_id: 'credit_card_5683823' }, /must be a list of str, not a list containing int/],
    ['null argument', 'modify_user_address', { user_id: 'ava_nguyen_6646', address1: null, address2: '', city: 'c', state: 's', country: 'USA', zip: '1' }, /argument 'address1' must be str, not NoneType/],
    ['non-JSON argument text', 'get_order_details', '{"order_id": "#W8367380"', /^Error: arguments are not valid JSON: /],
    ['JSON array as arguments', 'get_order_details', '["#W8367380"]', 'Error: arguments must be a JSON object, not list'],
    ['JSON number as arguments', 'get_order_details', 42, 'Error: arguments must be a JSON object, not int'],
    ['1 MB order id', 'cancel_pending_order', { order_id: MB, reason: 'no longer needed' }, 'Error: order not found'],
    ['1 MB reason', 'cancel_pending_order', { order_id: pendingOrder, reason: MB }, 'Error: invalid reason'],
    ['1 MB payment method', 'modify_pending_order_payment', { order_id: pendingOrder, payment_method_id: MB }, 'Error: payment method not found'],
    ['1 MB item id', 'exchange_delivered_order_items', { order_id: deliveredOrder, item_ids: [MB], new_item_ids: [MB], payment_method_id: 'gift_card_7108145' }, `Error: ${MB} not found`],
    ['1 MB expression', 'calculate', { expression: MB }, 'Error: invalid characters in expression'],
    ['1 MB email', 'find_user_id_by_email', { email: MB }, 'Error: user not found'],
    ['prototype key as payment method', 'modify_pending_order_payment', { order_id: pendingOrder, payment_method_id: 'toString' }, 'Error: payment method not found'],
    ['prototype key as order id', 'get_order_details', { order_id: '__proto__' }, 'Error: order not found'],
  ];
  for (const [what, name, kwargs, want] of cases) {
    it(`${what}: error string, DB unchanged`, () => {
      const env = new RetailEnv(data);
      const before = dbHash(env);
      let r: { output: string; done: boolean } | undefined;
      expect(() => (r = env.step(name, kwargs))).not.toThrow();
      if (typeof want === 'string') expect(r!.output).toBe(want);
      else expect(r!.output).toMatch(want);
      expect(r!.done).toBe(false);
      expect(dbHash(env)).toBe(before);
      expect(env.db.touched('users').size + env.db.touched('orders').size).toBe(0);
    });
  }

  it('a 1 MB string the tool accepts is stored and echoed as τ-bench would (json.dumps, ensure_ascii)', () => {
    const env = new RetailEnv(data);
    const city = 'é'.repeat(1 << 19);
    const r = env.step('modify_user_address', { user_id: 'ava_nguyen_6646', address1: MB, address2: '', city, state: 'CA', country: 'USA', zip: '90450' });
    expect(r.output).toContain(`"address1": "${MB}"`);
    expect(r.output).toContain(`"city": "${'\\u00e9'.repeat(1 << 19)}"`);
    expect(env.db.user('ava_nguyen_6646')!.address.city).toBe(city);
  });

  it('a tool that throws midway (inconsistent data) answers "Error: ..." and rolls back its writes', () => {
    // Two gift-card payments, the second on a card the user lacks: τ-bench refunds the first card,
    // then raises KeyError inside the loop. Our transaction must drop the first refund too.
    const tables = { ...data.tables, orders: new Map(data.tables.orders) };
    const order = structuredClone(tables.orders.get('#W6779827')!);
    order.payment_history.push({ transaction_type: 'payment', amount: 1.5, payment_method_id: 'gift_card_0000000' });
    tables.orders.set('#W6779827', order);
    const env = new RetailEnv({ ...data, tables });
    const before = env.db.canonicalJson();
    const r = env.step('cancel_pending_order', { order_id: '#W6779827', reason: 'ordered by mistake' });
    expect(r.output).toBe("Error: 'gift_card_0000000'");
    expect(env.db.canonicalJson()).toBe(before);
    expect(env.db.order('#W6779827')!.status).toBe('pending');
    expect(env.db.user('ethan_lopez_6291')!.payment_methods['gift_card_7219486']).toMatchObject({ balance: 49n });
  });

  it('the tool table matches tools.json (names, order, parameters, required)', () => {
    const schema = JSON.parse(readFileSync(new URL('../../../public/data/tau-bench-retail/tools.json', import.meta.url), 'utf8'));
    expect(TOOLS.map((t) => t.name)).toEqual(schema.map((s: { function: { name: string } }) => s.function.name));
    for (const [i, tool] of TOOLS.entries()) {
      const params = schema[i].function.parameters;
      expect(tool.params.map(([p]) => p)).toEqual(Object.keys(params.properties));
      expect(params.required).toEqual(Object.keys(params.properties));
      for (const [p, kind] of tool.params) {
        const prop = params.properties[p];
        expect(kind === 'str' ? prop.type === 'string' : prop.type === 'array' && prop.items.type === 'string').toBe(true);
      }
    }
  });
});

describe('episode end', () => {
  it('transfer_to_human_agents ends the episode; other tools do not', () => {
    const env = new RetailEnv(data);
    expect(env.step('think', { thought: 'hm' })).toEqual({ output: '', done: false });
    expect(env.step('transfer_to_human_agents', { summary: 'needs a human' })).toEqual({ output: 'Transfer successful', done: true });
    expect(env.done).toBe(true);
    expect(env.calls.map((c) => c.name)).toEqual(['think', 'transfer_to_human_agents']);
  });

  it('accepts the model\'s JSON text as kwargs', () => {
    const env = new RetailEnv(data);
    expect(env.step('find_user_id_by_email', '{"email": "NOAH.BROWN7922@example.com"}').output).toBe('noah_brown_6181');
  });

  it('episodes are independent: writes in one are invisible to another and to the shared tables', () => {
    const a = new RetailEnv(data);
    const b = new RetailEnv(data);
    a.step('cancel_pending_order', { order_id: pendingOrder, reason: 'no longer needed' });
    expect(a.db.order(pendingOrder)!.status).toBe('cancelled');
    expect(b.db.order(pendingOrder)!.status).toBe('pending');
    expect(data.tables.orders.get(pendingOrder)!.status).toBe('pending');
  });
});
