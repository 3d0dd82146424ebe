// The scripted customer's documented rules (src/rollout/users/scripted.ts) on real dev tasks and the
// real DB: first-person opening, identity from the DB, order ids, consent only to ground-truth
// proposals, ###STOP### when done, determinism per seed.
import { describe, expect, it } from 'vitest';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki } from '../../../src/rollout/node-data.ts';
import { proposalText } from '../../../src/rollout/describe.ts';
import { firstPersonRequest } from '../../../src/rollout/phrases.ts';
import { ScriptedUser } from '../../../src/rollout/users/scripted.ts';
import type { EpisodeContext } from '../../../src/rollout/types.ts';

const db = loadRetailData();
const dev = loadTasks('dev');
const ctxFor = (i: number, seed = 0): EpisodeContext => ({ task: dev[i], systemPrompt: loadWiki(), tools: loadToolSchemas(), db, seed });

describe('scripted user', () => {
  it('opens with the request in the first person, without the identity', async () => {
    const u = new ScriptedUser();
    const open = await u.start(ctxFor(0));
    expect(open).toMatch(/^(Hi!|Hello\.|Hi there\.) I've ordered an item \(#W5442520\)/);
    expect(open).not.toMatch(/\byou(r)?\b/i);
    expect(open).not.toContain('80218');
  });

  it('answers identity and order-id questions from the DB and the ground truth', async () => {
    const u = new ScriptedUser();
    await u.start(ctxFor(0));
    expect(await u.reply('Could you give me your name and zip code?')).toBe('My name is Olivia Ito and my zip code is 80218.');
    expect(await u.reply('What is your email address?')).toBe(`My email is ${db.users.olivia_ito_3591.email}.`);
    expect(await u.reply('What is the order id?')).toBe('The order id is #W5442520.');
  });

  it('approves a proposal matching the ground truth, declines others, then stops', async () => {
    const u = new ScriptedUser();
    const ctx = ctxFor(0);
    await u.start(ctx);
    const wrong = await u.reply('I can cancel order #W1234567 for you. Would you like me to proceed (yes/no)?');
    expect(wrong).toMatch(/^No, that's not what I want\. I want to cancel order #W5442520/);
    const wrongKind = await u.reply('I can return order #W5442520. Shall I proceed?');
    expect(wrongKind).toMatch(/^No/);
    expect(await u.reply(proposalText(db, ctx.task.userId, ctx.task.actions[0]))).toMatch(/^Yes/);
    expect(await u.reply('The order is cancelled. Anything else?')).toBe('###STOP###');
  });

  it('declines a proposal that names an item the ground truth does not', async () => {
    const ctx = ctxFor(9); // modify_pending_order_items on #W9673784
    const a = ctx.task.actions[0];
    const u = new ScriptedUser();
    await u.start(ctx);
    const foreignItem = proposalText(db, ctx.task.userId, a).replace(String((a.kwargs.new_item_ids as string[])[0]), '1234567890');
    expect(await u.reply(foreignItem)).toMatch(/^No/);
    expect(await u.reply(proposalText(db, ctx.task.userId, a))).toMatch(/^Yes/);
  });

  it('declines a proposal with the wrong cancellation reason or payment kind', async () => {
    const u = new ScriptedUser();
    await u.start(ctxFor(0)); // cancel #W5442520, reason "no longer needed"
    expect(await u.reply('I can cancel order #W5442520 with the reason "ordered by mistake". Shall I proceed?')).toMatch(/^No/);
    expect(await u.reply('I can cancel order #W5442520 because it is no longer needed. Shall I proceed?')).toMatch(/^Yes/);
    const p = new ScriptedUser();
    const ctx = ctxFor(9); // modify items on #W9673784 paid with paypal
    await p.start(ctx);
    const a = ctx.task.actions[0];
    const viaCard = proposalText(db, ctx.task.userId, a).replace(/paypal \(paypal_\d+\)/, 'your credit card');
    expect(viaCard).toContain('your credit card');
    expect(await p.reply(viaCard)).toMatch(/^No/);
  });

  it('describes items and payment as a customer would (names, options, no ids)', async () => {
    const ctx = ctxFor(9);
    const u = new ScriptedUser();
    await u.start(ctx);
    const items = await u.reply('Which item would you like to change, and which options do you prefer?');
    expect(items).toMatch(/^I mean the Espresso Machine \(.*\), which I want as Espresso Machine \(.*\)\.$/);
    expect(items).not.toMatch(/\d{10}/);
    expect(await u.reply('Which payment method should be used?')).toMatch(/^Please use my paypal\.$/);
  });

  it('stops on tasks without writes once past identity questions, and after three stalls', async () => {
    const u = new ScriptedUser();
    await u.start(ctxFor(17));
    expect(await u.reply('Please tell me your name and zip.')).toMatch(/^My name is/);
    expect(await u.reply('I see. Is there anything else I can help you with?')).toBe('###STOP###');
    const s = new ScriptedUser();
    await s.start(ctxFor(0));
    expect(await s.reply('Hmm.')).toMatch(/^I want to cancel/);
    expect(await s.reply('Hmm.')).toMatch(/^I want to cancel/);
    expect(await s.reply('Hmm.')).toBe('###STOP###');
  });

  it('rewrites every instruction of every split quickly (no regex backtracking)', () => {
    const started = Date.now();
    for (const split of ['train', 'dev', 'test']) for (const t of loadTasks(split)) firstPersonRequest(t.instruction, []);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(firstPersonRequest('Your name is A B. You are outgoing, flexible, and pessimistic. You want a refund.', [])).toBe('I want a refund.');
  });

  it('is deterministic per seed (seeds only change phrasing)', async () => {
    const run = async (seed: number) => {
      const u = new ScriptedUser();
      const ctx = ctxFor(0, seed);
      return [await u.start(ctx), await u.reply(proposalText(db, ctx.task.userId, ctx.task.actions[0]))];
    };
    expect(await run(5)).toEqual(await run(5));
    const seen = new Set<string>();
    for (let s = 0; s < 8; s++) seen.add((await run(s)).join('|'));
    expect(seen.size).toBeGreaterThan(1);
  });
});
