// The episode loop: agent ↔ user simulator ↔ retail tools, following τ-bench's tool-calling loop.
// A tool-call turn runs its calls and feeds the outputs back; a text turn goes to the customer.
// Ends when the customer says ###STOP###, the agent calls transfer_to_human_agents, or after
// `maxTurns` agent turns (counted as a failure by the verifier's caller: the DB is still verified).
// Unusable calls (malformed JSON, non-object arguments) come back as error observations; unknown
// tools and bad arguments reach the backend, whose error strings are the observations.
import { TRANSFER_TOOL, isErrorObservation } from './actions.ts';
import {
  TRAJECTORY_VERSION,
  type AssistantTurn,
  type SpokenTurn,
  type TokenRecord,
  type Trajectory,
  type Turn,
} from './trajectory.ts';
import { STOP_TOKEN, type Agent, type EpisodeContext, type EpisodeEnvironment, type UserSimulator } from './types.ts';

export interface RunEpisodeOptions {
  agent: Agent;
  user: UserSimulator;
  env: EpisodeEnvironment;
  context: EpisodeContext;
  /** Maximum agent turns (τ-bench: 30). */
  maxTurns?: number;
  id?: string;
}

export const DEFAULT_MAX_TURNS = 30;

export async function runEpisode(o: RunEpisodeOptions): Promise<Trajectory> {
  const started = Date.now();
  const maxTurns = o.maxTurns ?? DEFAULT_MAX_TURNS;
  if (!Number.isInteger(maxTurns) || maxTurns < 1) throw new Error(`runEpisode: maxTurns must be a positive integer (got ${maxTurns})`);
  const turns: Turn[] = [{ role: 'system', text: o.context.systemPrompt }];
  let tokens: TokenRecord | undefined;
  const speech: SpokenTurn[] = [];
  const replies: string[] = [];
  let end: Trajectory['end'] = { reason: 'max_turns' };

  let finished = false;
  try {
    const opening = await o.user.start(o.context);
    turns.push({ role: 'user', text: opening });
    finished = opening.includes(STOP_TOKEN);
    if (finished) end = { reason: 'user_stop' };
  } catch (e) {
    end = { reason: 'user_error', detail: (e as Error).message };
    finished = true;
  }

  for (let t = 0; t < maxTurns && !finished; t++) {
    let step;
    try {
      step = await o.agent.act(o.context, turns);
    } catch (e) {
      end = { reason: 'agent_error', detail: (e as Error).message };
      finished = true;
      break;
    }
    const turn: AssistantTurn = {
      role: 'assistant',
      agentTurn: t,
      text: step.text,
      toolCalls: step.toolCalls.map((c, k) => ({ id: `call_${t}_${k}`, name: c.name, arguments: c.arguments })),
    };
    if (step.parseError) turn.parseError = step.parseError;
    if (step.raw !== undefined && step.raw !== step.text) turn.raw = step.raw;
    if (step.tokens) {
      tokens ??= { ids: [], logprobs: [], trainable: [], turn: [] };
      const { context, completion, logprobs, finishReason } = step.tokens;
      if (logprobs.length !== completion.length) throw new Error(`runEpisode: agent returned ${logprobs.length} log-probs for ${completion.length} tokens`);
      for (const id of context) push(tokens, id, 0, 0, -1);
      const start = tokens.ids.length;
      completion.forEach((id, i) => push(tokens!, id, logprobs[i], 1, t));
      turn.tokenSpan = [start, tokens.ids.length];
      turn.finishReason = finishReason;
      speech.push(...(step.speech ?? []));
    }
    turns.push(turn);

    if (turn.toolCalls.length || turn.parseError) {
      for (const call of turn.toolCalls) {
        const output = await callTool(o.env, call.name, call.arguments);
        turns.push({ role: 'tool', callId: call.id, name: call.name, output, error: isErrorObservation(output) });
        if (call.name === TRANSFER_TOOL && !isErrorObservation(output)) {
          end = { reason: 'transfer' };
          finished = true;
          break;
        }
      }
      // Unusable tool-call text (alone or next to valid calls) is answered with an error observation.
      if (turn.parseError && !finished) {
        turns.push({ role: 'tool', callId: '', name: '', output: `Error: could not parse the tool call: ${turn.parseError}`, error: true });
      }
    } else {
      replies.push(turn.text);
      let reply: string;
      try {
        reply = await o.user.reply(turn.text);
      } catch (e) {
        end = { reason: 'user_error', detail: (e as Error).message };
        break;
      }
      turns.push({ role: 'user', text: reply });
      if (reply.includes(STOP_TOKEN)) {
        end = { reason: 'user_stop' };
        finished = true;
      }
    }
  }

  let verifier = await o.env.verify(replies);
  // Hitting the turn limit is a failure whatever the DB looks like (τ-bench); so is an agent or
  // user-simulator crash (such episodes are marked so trainers can drop them).
  if (end.reason === 'max_turns' || end.reason === 'agent_error' || end.reason === 'user_error') {
    verifier = { reward: 0, info: { ...verifier.info, failedBy: end.reason, stateReward: verifier.reward } };
  }
  return {
    version: TRAJECTORY_VERSION,
    id: o.id ?? `${o.context.task.split}-${o.context.task.index}-s${o.context.seed}`,
    task: o.context.task,
    agent: { kind: o.agent.kind, name: o.agent.name },
    user: { kind: o.user.kind, name: o.user.name },
    seed: o.context.seed,
    maxTurns,
    turns,
    end,
    ...(tokens ? { tokens } : {}),
    verifier,
    timing: { startedAt: new Date(started).toISOString(), ms: Date.now() - started },
    ...(speech.length ? { speech } : {}),
  };
}

function push(r: TokenRecord, id: number, logprob: number, trainable: number, turn: number): void {
  r.ids.push(id);
  r.logprobs.push(logprob);
  r.trainable.push(trainable);
  r.turn.push(turn);
}

async function callTool(env: EpisodeEnvironment, name: string, args: unknown): Promise<string> {
  if (!args || typeof args !== 'object' || Array.isArray(args)) {
    return `Error: the arguments of ${name} must be a JSON object, got ${Array.isArray(args) ? 'an array' : JSON.stringify(args)}`;
  }
  try {
    return await env.step(name, args as Record<string, unknown>);
  } catch (e) {
    // The backend should return error strings; a throw is still an observation, never a crash.
    return `Error: ${(e as Error).message}`;
  }
}
