// Word-problem templates. Each draws its parameters from the RNG, records the worked solution in
// a SolutionBuilder (which rejects inexact or negative intermediates) and returns the question.
// More difficulty = more steps (and, from difficulty 3, decimal intermediates).
import type { Rng } from '../rng.ts';
import { Q } from './exact.ts';
import { formatValue, type SolutionBuilder, type Val } from './builder.ts';

export type Difficulty = 1 | 2 | 3 | 4;
export type Flavor = 'retail' | 'plain';

export interface TemplateResult {
  question: string;
  final: Val;
  unit: string | null;
}

export interface Template {
  name: string;
  flavor: Flavor;
  run(rng: Rng, difficulty: Difficulty, b: SolutionBuilder): TemplateResult;
}

const PRODUCTS: ReadonlyArray<[singular: string, plural: string, minDollars: number, maxDollars: number]> = [
  ['T-shirt', 'T-shirts', 8, 30],
  ['mug', 'mugs', 5, 18],
  ['backpack', 'backpacks', 25, 90],
  ['desk lamp', 'desk lamps', 15, 60],
  ['water bottle', 'water bottles', 6, 25],
  ['notebook', 'notebooks', 2, 9],
  ['pair of headphones', 'pairs of headphones', 20, 150],
  ['yoga mat', 'yoga mats', 15, 45],
  ['phone case', 'phone cases', 8, 35],
  ['keyboard', 'keyboards', 20, 120],
];

/** A shop-like price: whole dollars, .50, .25, .99 or a multiple of 5 cents. */
function price(rng: Rng, minDollars: number, maxDollars: number): Q {
  const dollars = rng.int(minDollars, maxDollars);
  const cents = rng.pick([0, 0, 50, 25, 99, 5 * rng.int(1, 19)]);
  return new Q(BigInt(dollars * 100 + cents), 100n);
}

const fmt = (v: Val) => formatValue(v.q, v.kind);
const noun = (n: number, singular: string, plural: string) => `${n} ${n === 1 ? singular : plural}`;
const hoursText = (t: Val) => `${fmt(t)} ${t.q.eq(Q.int(1)) ? 'hour' : 'hours'}`;

const retailOrder: Template = {
  name: 'retail-order',
  flavor: 'retail',
  run(rng, d, b) {
    const lines = d === 1 ? 1 : d === 2 ? 2 : d === 3 ? rng.int(2, 3) : 3;
    const products = rng.shuffle([...PRODUCTS]).slice(0, lines);
    let total: Val | null = null;
    const parts: string[] = [];
    for (const [singular, plural, lo, hi] of products) {
      const qty = b.lit(rng.int(lines === 1 ? 2 : 1, 6), 'count');
      const each = b.lit(price(rng, lo, hi), 'money');
      const n = Number(qty.q.num);
      const line = b.step('mul', qty, each, 'money', `Cost of the ${n === 1 ? singular : plural}`);
      parts.push(`${noun(n, singular, plural)} at ${fmt(each)} each`);
      total = total ? b.step('add', total, line, 'money', 'Subtotal so far') : line;
    }
    const list = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
    const sentences = [`A customer orders ${list}.`];
    // Modifiers apply in this fixed order; the question states them in the same order.
    const pool = d === 1 ? ['coupon', 'shipping'] : ['discount', 'coupon', 'tax', 'shipping', 'final'];
    const count = d === 1 || d === 2 ? 1 : d === 3 ? 2 : 3;
    const chosen = new Set(rng.shuffle([...pool]).slice(0, count));
    let question = 'How much does the customer pay in total, in dollars?';
    let amount = total!;
    const then = () => (sentences.length > 1 ? 'Then ' : '');
    for (const mod of pool.filter((m) => chosen.has(m))) {
      if (mod === 'discount') {
        const pct = b.lit(rng.pick([10, 15, 20, 25, 30, 50]), 'percent');
        sentences.push(`The store takes ${fmt(pct)} off the subtotal.`);
        const off = b.step('pct', amount, pct, 'money', 'Discount');
        amount = b.step('sub', amount, off, 'money', 'After the discount');
      } else if (mod === 'coupon') {
        const coupon = b.lit(rng.pick([5, 10, 15, 20]), 'money');
        sentences.push(`${then()}a ${fmt(coupon)} coupon is applied.`.replace(/^a/, 'A'));
        amount = b.step('sub', amount, coupon, 'money', 'After the coupon');
      } else if (mod === 'tax') {
        const pct = b.lit(rng.pick([5, 6, 8, 10]), 'percent');
        sentences.push(`${then()}sales tax of ${fmt(pct)} is charged on the amount so far.`.replace(/^s/, 'S'));
        const tax = b.step('pct', amount, pct, 'money', 'Sales tax');
        amount = b.step('add', amount, tax, 'money', 'With tax');
      } else if (mod === 'shipping') {
        const ship = b.lit(price(rng, 3, 12), 'money');
        sentences.push(`${then()}shipping adds ${fmt(ship)}.`.replace(/^s/, 'S'));
        amount = b.step('add', amount, ship, 'money', 'With shipping');
      } else if (rng.chance(0.5)) {
        const gift = b.lit(rng.pick([10, 20, 25, 50]), 'money');
        sentences.push(`The customer pays ${fmt(gift)} of the final amount with a gift card and the rest by credit card.`);
        amount = b.step('sub', amount, gift, 'money', 'Charged to the credit card');
        question = 'How much is charged to the credit card, in dollars?';
      } else {
        const people = b.lit(rng.int(2, 5), 'count');
        sentences.push(`The final amount is split equally among ${fmt(people)} friends.`);
        amount = b.step('div', amount, people, 'money', 'Each friend pays');
        question = 'How much does each friend pay, in dollars?';
      }
    }
    return { question: `${sentences.join(' ')} ${question}`, final: amount, unit: 'dollars' };
  },
};

const retailRefund: Template = {
  name: 'retail-refund',
  flavor: 'retail',
  run(rng, d, b) {
    const [singular, plural, lo, hi] = rng.pick(PRODUCTS);
    const bought = rng.int(3, 8);
    const returned = b.lit(rng.int(1, bought - 1), 'count');
    const each = b.lit(price(rng, lo, hi), 'money');
    const sentences = [
      `A customer bought ${noun(bought, singular, plural)} at ${fmt(each)} each and returns ${fmt(returned)} of them.`,
    ];
    let refund = b.step('mul', returned, each, 'money', 'Price of the returned items');
    if (d >= 2) {
      const fee = b.lit(rng.pick([10, 15, 20, 25]), 'percent');
      sentences.push(`The store keeps a restocking fee of ${fmt(fee)} of the returned items' price.`);
      const kept = b.step('pct', refund, fee, 'money', 'Restocking fee');
      refund = b.step('sub', refund, kept, 'money', 'Refund after the fee');
    }
    if (d === 1 || d >= 3) {
      const ship = b.lit(price(rng, 3, 9), 'money');
      sentences.push(`The original shipping charge of ${fmt(ship)} is refunded too${d >= 2 ? ', with no fee' : ''}.`);
      refund = b.step('add', refund, ship, 'money', 'Total refund');
    }
    if (d >= 4) {
      const balance = b.lit(price(rng, 5, 40), 'money');
      sentences.push(`The refund goes onto a gift card that already holds ${fmt(balance)}.`);
      refund = b.step('add', refund, balance, 'money', 'New gift card balance');
      return { question: `${sentences.join(' ')} What is the gift card balance now, in dollars?`, final: refund, unit: 'dollars' };
    }
    return { question: `${sentences.join(' ')} How much money does the customer get back, in dollars?`, final: refund, unit: 'dollars' };
  },
};

const retailInventory: Template = {
  name: 'retail-inventory',
  flavor: 'retail',
  run(rng, d, b) {
    const [, plural] = rng.pick(PRODUCTS);
    const stock = b.lit(rng.int(10, 200), 'count');
    const boxes = b.lit(rng.int(2, 12), 'count');
    const perBox = b.lit(rng.pick([6, 8, 10, 12, 20, 24, 25]), 'count');
    const sentences = [
      `A store has ${fmt(stock)} ${plural} in stock. It receives ${fmt(boxes)} boxes with ${fmt(perBox)} ${plural} in each box.`,
    ];
    const received = b.step('mul', boxes, perBox, 'count', 'Units received');
    let amount = b.step('add', stock, received, 'count', 'Stock after the delivery');
    if (d >= 2) {
      const orders = b.lit(rng.int(2, 9), 'count');
      const perOrder = b.lit(rng.int(2, 15), 'count');
      sentences.push(`Then it ships ${fmt(orders)} orders of ${fmt(perOrder)} ${plural} each.`);
      const shipped = b.step('mul', orders, perOrder, 'count', 'Units shipped');
      amount = b.step('sub', amount, shipped, 'count', 'Stock after shipping');
    }
    if (d >= 3) {
      const returns = b.lit(rng.int(1, 20), 'count');
      sentences.push(`Then customers return ${fmt(returns)} ${plural}.`);
      amount = b.step('add', amount, returns, 'count', 'Stock after the returns');
    }
    if (d >= 4) {
      const stores = b.lit(rng.int(2, 6), 'count');
      sentences.push(`Finally the whole stock is divided equally among ${fmt(stores)} branch stores.`);
      amount = b.step('div', amount, stores, 'count', 'Each branch gets');
      return { question: `${sentences.join(' ')} How many ${plural} does each branch get?`, final: amount, unit: plural };
    }
    return { question: `${sentences.join(' ')} How many ${plural} are in stock now?`, final: amount, unit: plural };
  },
};

const plainTravel: Template = {
  name: 'plain-travel',
  flavor: 'plain',
  run(rng, d, b) {
    // From difficulty 3, durations may be half hours.
    const hours = () => b.lit(d >= 3 ? new Q(BigInt(rng.int(2, 10)), 2n) : Q.int(rng.int(1, 5)), 'plain');
    const speed = () => b.lit(rng.int(4, 24) * 5, 'plain');
    if (d === 1) {
      const v = speed();
      const t = hours();
      const extra = b.lit(rng.int(2, 40), 'plain');
      const first = b.step('mul', v, t, 'plain', 'Distance at that speed (km)');
      const total = b.step('add', first, extra, 'plain', 'Total distance (km)');
      return {
        question: `A cyclist rides at ${fmt(v)} km/h for ${hoursText(t)}, then rides another ${fmt(extra)} km. How far does she ride in total, in km?`,
        final: total,
        unit: 'km',
      };
    }
    const legs = d === 4 ? 3 : 2;
    const parts: string[] = [];
    let distance: Val | null = null;
    let time: Val | null = null;
    for (let i = 0; i < legs; i++) {
      const v = speed();
      const t = hours();
      parts.push(`${fmt(v)} km/h for ${hoursText(t)}`);
      const leg = b.step('mul', v, t, 'plain', `Distance of leg ${i + 1} (km)`);
      distance = distance ? b.step('add', distance, leg, 'plain', 'Distance so far (km)') : leg;
      if (d >= 3) time = time ? b.step('add', time, t, 'plain', 'Time so far (hours)') : t;
    }
    const trip = `A train travels at ${parts.slice(0, -1).join(', then at ')} and then at ${parts.at(-1)!}.`;
    if (d === 2) return { question: `${trip} How many km does it travel in total?`, final: distance!, unit: 'km' };
    const average = b.step('div', distance!, time!, 'plain', 'Average speed (km/h)');
    return { question: `${trip} What is its average speed over the whole trip, in km/h?`, final: average, unit: 'km/h' };
  },
};

const plainChain: Template = {
  name: 'plain-chain',
  flavor: 'plain',
  run(rng, d, b) {
    let value = b.lit(d >= 4 ? new Q(BigInt(rng.int(11, 199)), 2n) : Q.int(rng.int(2, 60)), 'plain');
    const phrases: string[] = [];
    const start = fmt(value);
    for (let i = 0; i < d + 1; i++) {
      const op = rng.pick(['add', 'sub', 'mul', 'div'] as const);
      if (op === 'div') {
        // Pick a divisor that keeps the result exact at this difficulty; fall back to adding.
        const divisors = [2, 3, 4, 5, 6, 8, 10].filter((k) => value.q.div(Q.int(k)).places(d >= 3 ? 2 : 0) !== null);
        if (divisors.length > 0) {
          const k = b.lit(rng.pick(divisors), 'plain');
          phrases.push(`divide it by ${fmt(k)}`);
          value = b.step('div', value, k, 'plain', `Step ${i + 1}`);
          continue;
        }
      }
      if (op === 'mul') {
        const k = b.lit(rng.int(2, 9), 'plain');
        phrases.push(`multiply it by ${fmt(k)}`);
        value = b.step('mul', value, k, 'plain', `Step ${i + 1}`);
      } else if (op === 'sub' && value.q.cmp(Q.int(2)) > 0) {
        const k = b.lit(rng.int(1, Math.min(99, Math.floor(value.q.toNumber()) - 1)), 'plain');
        phrases.push(`subtract ${fmt(k)}`);
        value = b.step('sub', value, k, 'plain', `Step ${i + 1}`);
      } else {
        const k = b.lit(rng.int(1, 99), 'plain');
        phrases.push(`add ${fmt(k)}`);
        value = b.step('add', value, k, 'plain', `Step ${i + 1}`);
      }
    }
    const question = `Start with the number ${start}. First ${phrases.join(', then ')}. What number do you end up with?`;
    return { question, final: value, unit: null };
  },
};

export const TEMPLATES: readonly Template[] = [retailOrder, retailRefund, retailInventory, plainTravel, plainChain];
