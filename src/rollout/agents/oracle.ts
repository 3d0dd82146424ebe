// The oracle agent: follows the task's ground-truth actions with templated messages, as the wiki
// asks — authenticate (email if the customer gave it, else name + zip, values taken from the DB),
// run read actions directly, propose each write with its exact ids and run it only after a "yes",
// then close (quoting the task's required outputs, if any). It gives reward 1 on tasks whose
// ground truth is consistent, tests the loop end to end and produces demonstrations.
// One instance per episode (it keeps the episode's progress).
import { TRANSFER_TOOL, isWriteTool } from '../actions.ts';
import { proposalText } from '../describe.ts';
import { isAffirmative } from '../phrases.ts';
import type { Turn } from '../trajectory.ts';
import type { Agent, AgentStep, EpisodeContext } from '../types.ts';

type Phase = 'ask-identity' | 'lookup' | 'check-lookup' | 'actions' | 'done';

const say = (text: string): AgentStep => ({ text, toolCalls: [] });
const call = (name: string, args: Record<string, unknown>): AgentStep => ({ text: '', toolCalls: [{ name, arguments: args }] });

export class OracleAgent implements Agent {
  readonly kind = 'oracle';
  readonly name = 'oracle-v1';
  private phase: Phase = 'ask-identity';
  private lookups = 0;
  private next = 0;
  private proposed = false;
  private declines = 0;

  async act(ctx: EpisodeContext, turns: readonly Turn[]): Promise<AgentStep> {
    const last = turns[turns.length - 1];
    const lastText = last && last.role === 'user' ? last.text : '';
    const user = ctx.db.users[ctx.task.userId];
    switch (this.phase) {
      case 'ask-identity':
        this.phase = 'lookup';
        return say('Hello! Before I can help, I need to verify your identity. Could you please provide your email address, or your first name, last name and zip code?');
      case 'lookup': {
        this.phase = 'check-lookup';
        this.lookups++;
        if (!user) return call('find_user_id_by_email', { email: (lastText.match(/\S+@\S+\.\w+/) ?? [''])[0] });
        if (lastText.includes(user.email)) return call('find_user_id_by_email', { email: user.email });
        return call('find_user_id_by_name_zip', { first_name: user.name.first_name, last_name: user.name.last_name, zip: user.address.zip });
      }
      case 'check-lookup':
        if (last?.role === 'tool' && last.error && this.lookups < 2) {
          this.phase = 'lookup';
          return say('I could not find your account. Could you please double-check your email, or your name and zip code?');
        }
        this.phase = 'actions';
        return this.actions(ctx, '');
      case 'actions':
        return this.actions(ctx, lastText);
      case 'done':
        return say("I'm sorry, I can only help with the request we just completed. Is there anything else I can help you with?");
    }
  }

  private actions(ctx: EpisodeContext, lastText: string): AgentStep {
    const truth = ctx.task.actions;
    if (this.proposed) {
      this.proposed = false;
      const a = truth[this.next];
      if (isAffirmative(lastText)) {
        this.next++;
        this.declines = 0;
        return call(a.name, a.kwargs);
      }
      if (++this.declines < 2) {
        this.proposed = true;
        return say(`Let me make sure I have this right. ${proposalText(ctx.db, ctx.task.userId, a)}`);
      }
      this.next++; // the customer declined twice: leave this change out
      this.declines = 0;
    }
    if (this.next >= truth.length) {
      this.phase = 'done';
      const outputs = ctx.task.outputs.length ? ` For your reference: ${ctx.task.outputs.join(', ')}.` : '';
      return say(`Your request has been taken care of.${outputs} Is there anything else I can help you with?`);
    }
    const a = truth[this.next];
    if (isWriteTool(a.name)) {
      this.proposed = true;
      return say(proposalText(ctx.db, ctx.task.userId, a));
    }
    this.next++;
    if (a.name === TRANSFER_TOOL) this.phase = 'done';
    return call(a.name, a.kwargs);
  }
}
