// The scripted customer: offline and deterministic for a given seed (the seed only picks among
// equivalent phrasings). Rules, applied to each agent message in this order:
//  1. a proposal (asks for confirmation and names an order/item/payment id or an address) is
//     approved ("yes") when it names the order (or, for a default-address change, the zip) of a
//     not-yet-approved ground-truth write, uses that action's wording (cancel/return/exchange/
//     change/address/payment), mentions no id foreign to it, and names no other cancellation reason,
//     address or kind of payment method than the ground truth's; otherwise declined, restating the wish;
//  2. once every ground-truth write has been approved, any other message ends the conversation with
//     ###STOP### (with no writes in the ground truth: any message that is not an identity or
//     order-id question);
//  3. identity questions (email, name, zip) are answered from the DB (the email only when asked for
//     the email alone);
//  4. order-id questions get the order ids of the pending writes (else those in the instruction);
//  5. questions about items/options, payment/refund method, address or reason are answered from the
//     next pending write's arguments, described as a customer would (names and options, no ids);
//  6. anything else restates the next pending wish; three such replies in a row end the conversation.
// The opening message is the task instruction rewritten in the first person (identity omitted).
import { Rng } from '../../rl/rng.ts';
import { isWriteTool } from '../actions.ts';
import { requestText } from '../describe.ts';
import { firstPersonRequest, mentionedIds } from '../phrases.ts';
import { describeAddress, describePayment, describeOrderItem, describeVariant } from '../retail-view.ts';
import type { ToolAction } from '../trajectory.ts';
import { STOP_TOKEN, type EpisodeContext, type UserSimulator } from '../types.ts';

const KIND_WORDS: Record<string, RegExp> = {
  cancel_pending_order: /cancel/i,
  return_delivered_order_items: /\breturn/i,
  exchange_delivered_order_items: /exchang|swap|replac/i,
  modify_pending_order_items: /chang|modif|exchang|swap|replac|switch|updat/i,
  modify_pending_order_address: /address/i,
  modify_pending_order_payment: /payment|pay with|paypal|card/i,
  modify_user_address: /address/i,
};
const ASKS_CONFIRMATION =
  /confirm|proceed|shall i|should i|would you like me to|do you want me to|go ahead|yes\/no|\(yes|is that correct|is this correct/i;

function flatStrings(v: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof v === 'string') out.add(v);
  else if (Array.isArray(v)) v.forEach((x) => flatStrings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => flatStrings(x, out));
  return out;
}

export class ScriptedUser implements UserSimulator {
  readonly kind = 'scripted';
  readonly name = 'scripted-v1';
  private ctx?: EpisodeContext;
  private rng = Rng.fromSeed(0);
  private writes: ToolAction[] = [];
  private approved: boolean[] = [];
  private stalls = 0;

  async start(ctx: EpisodeContext): Promise<string> {
    this.ctx = ctx;
    this.rng = Rng.fromSeed(ctx.seed).fork('scripted-user');
    this.writes = ctx.task.actions.filter((a) => isWriteTool(a.name));
    this.approved = this.writes.map(() => false);
    this.stalls = 0;
    const u = ctx.db.users[ctx.task.userId];
    const identity = u ? [u.name.first_name, u.name.last_name, u.email, u.address.zip] : [];
    let request = firstPersonRequest(ctx.task.instruction, identity);
    const wish = this.pending();
    if (!request) request = wish ? requestText(ctx.db, ctx.task.userId, wish) : 'I have a question about my order.';
    return `${this.rng.pick(['Hi!', 'Hello.', 'Hi there.'])} ${request}`;
  }

  async reply(message: string): Promise<string> {
    if (!this.ctx) throw new Error('ScriptedUser.reply called before start()');
    const r = this.respond(this.ctx, message);
    this.stalls = r.stall ? this.stalls + 1 : 0;
    return this.stalls >= 3 ? STOP_TOKEN : r.text;
  }

  private pending(): ToolAction | undefined {
    return this.writes.find((_, i) => !this.approved[i]);
  }

  private respond(ctx: EpisodeContext, msg: string): { text: string; stall?: boolean } {
    const ids = mentionedIds(msg);
    const isProposal = ASKS_CONFIRMATION.test(msg) && (ids.length > 0 || /address/i.test(msg));
    if (isProposal) {
      const i = this.writes.findIndex((a, k) => !this.approved[k] && proposalMatches(ctx, msg, ids, a));
      if (i >= 0) {
        this.approved[i] = true;
        return { text: this.rng.pick(['Yes, please go ahead.', 'Yes, I confirm.', "Yes, that's right. Please proceed."]) };
      }
      const wish = this.pending();
      return { text: `No, that's not what I want.${wish ? ` ${requestText(ctx.db, ctx.task.userId, wish)}` : ''}` };
    }
    const identity = identityAnswer(ctx, msg);
    const orderQuestion = /order (id|number)|which order/i.test(msg);
    const allDone = this.approved.every(Boolean);
    if (allDone && (this.writes.length > 0 || (!identity && !orderQuestion))) return { text: STOP_TOKEN };
    if (identity) return { text: identity };
    if (orderQuestion) return { text: this.orderAnswer(ctx) };
    const wish = this.pending();
    const detail = wish && detailAnswer(ctx, wish, msg);
    if (detail) return { text: detail };
    return { text: wish ? requestText(ctx.db, ctx.task.userId, wish) : 'Could you help me with my request?', stall: true };
  }

  private orderAnswer(ctx: EpisodeContext): string {
    const pendingOrders = this.writes.filter((_, i) => !this.approved[i]).map((a) => a.kwargs.order_id);
    const fromWrites = [...new Set(pendingOrders.filter((x): x is string => typeof x === 'string'))];
    const ids = fromWrites.length ? fromWrites : [...new Set(ctx.task.instruction.match(/#W\d+/g) ?? [])];
    if (!ids.length) return "I'm sorry, I don't remember the order id.";
    return ids.length === 1 ? `The order id is ${ids[0]}.` : `The order ids are ${ids.join(' and ')}.`;
  }
}

const CANCEL_REASONS = ['no longer needed', 'ordered by mistake'];
const PAYMENT_WORDS: Record<string, RegExp> = { paypal: /paypal/i, credit_card: /credit card|\bcard ending/i, gift_card: /gift card/i };

function proposalMatches(ctx: EpisodeContext, msg: string, ids: string[], a: ToolAction): boolean {
  const k = a.kwargs;
  const anchor = a.name === 'modify_user_address' ? String(k.zip ?? '') : String(k.order_id ?? '');
  if (!anchor || !msg.includes(anchor)) return false;
  if (!(KIND_WORDS[a.name] ?? /./).test(msg)) return false;
  const own = flatStrings(k);
  if (!ids.every((id) => own.has(id))) return false;
  // A named cancellation reason, address or payment kind must be the ground truth's.
  const lower = msg.toLowerCase();
  if (typeof k.reason === 'string' && CANCEL_REASONS.some((r) => r !== k.reason && lower.includes(r)) && !lower.includes(k.reason)) return false;
  if (a.name === 'modify_pending_order_address' && !msg.includes(String(k.address1)) && !msg.includes(String(k.zip))) return false;
  if (typeof k.payment_method_id === 'string' && !ids.includes(k.payment_method_id)) {
    const source = ctx.db.users[ctx.task.userId]?.payment_methods[k.payment_method_id]?.source;
    const others = Object.entries(PAYMENT_WORDS).filter(([s]) => s !== source);
    if (source && PAYMENT_WORDS[source] && !PAYMENT_WORDS[source].test(msg) && others.some(([, re]) => re.test(msg))) return false;
  }
  return true;
}

function identityAnswer(ctx: EpisodeContext, msg: string): string | undefined {
  const u = ctx.db.users[ctx.task.userId];
  if (!u) return undefined;
  const email = /e-?mail/i.test(msg);
  const nameZip = /\bname\b|\bzip|postal/i.test(msg);
  if (!email && !nameZip && !/identif|verify|authenticat|look up your account|locate your account/i.test(msg)) return undefined;
  if (email && !nameZip) return `My email is ${u.email}.`;
  return `My name is ${u.name.first_name} ${u.name.last_name} and my zip code is ${u.address.zip}.`;
}

function detailAnswer(ctx: EpisodeContext, a: ToolAction, msg: string): string | undefined {
  const { db, task } = ctx;
  const k = a.kwargs;
  const order = String(k.order_id ?? '');
  if (/\b(which|what) (items?|products?)|option|colou?r|size|variant|prefer/i.test(msg) && Array.isArray(k.item_ids)) {
    const olds = (k.item_ids as string[]).map((o) => `the ${describeOrderItem(db, order, o)}`);
    const news = Array.isArray(k.new_item_ids) ? (k.new_item_ids as string[]).map((n) => describeVariant(db, n)) : [];
    return news.length ? `I mean ${olds.map((o, i) => `${o}, which I want as ${news[i]}`).join('; ')}.` : `I mean ${olds.join(' and ')}.`;
  }
  if (/payment|refund|pay\b|card|paypal/i.test(msg) && typeof k.payment_method_id === 'string') {
    return `Please use my ${describePayment(db, task.userId, k.payment_method_id)}.`;
  }
  if (/address/i.test(msg) && typeof k.address1 === 'string') return `The address is ${describeAddress(k)}.`;
  if (/reason|why/i.test(msg) && typeof k.reason === 'string') return `The reason is: ${k.reason}.`;
  return undefined;
}
