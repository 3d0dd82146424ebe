// The three parties of an episode, each behind one interface so agents (oracle, WGSL policy),
// user simulators (scripted, OpenAI-compatible LLM, local model) and tool environments combine freely.
import type { EpisodeTask, SpokenTurn, Turn, VerifierResult } from './trajectory.ts';
import type { RetailData } from './retail-view.ts';

/** What the retail backend must offer one episode (one DB per episode, never shared). */
export interface EpisodeEnvironment {
  /** Runs one tool call and returns τ-bench's output string (errors are strings too). */
  step(name: string, kwargs: Record<string, unknown>): string | Promise<string>;
  /** Scores the final state; `agentReplies` are the agent's messages to the user (for the outputs check). */
  verify(agentReplies: string[]): VerifierResult | Promise<VerifierResult>;
}

export interface EpisodeContext {
  task: EpisodeTask;
  /** The retail policy wiki: the agent's system prompt. */
  systemPrompt: string;
  /** OpenAI-style tool schemas ({type:'function', function:{name, description, parameters}}). */
  tools: unknown[];
  /** Read-only view of the initial database. */
  db: RetailData;
  seed: number;
}

export interface AgentStep {
  /** What the customer reads (no reasoning, no tool-call markup). */
  text: string;
  /** The whole decoded completion, when it differs from `text`. */
  raw?: string;
  toolCalls: { name: string; arguments: unknown }[];
  parseError?: string;
  /** Policy agents: tokens appended since the last step (not trainable), then the sampled completion. */
  tokens?: { context: number[]; completion: number[]; logprobs: number[]; finishReason: string };
  /** Speech episodes: the customer turns heard as audio in this step's context (positions in the token record). */
  speech?: SpokenTurn[];
}

export interface Agent {
  readonly kind: 'oracle' | 'policy';
  readonly name: string;
  /** Produces the next assistant turn from the conversation so far (system, user, assistant, tool turns). */
  act(ctx: EpisodeContext, turns: readonly Turn[]): Promise<AgentStep>;
}

export interface UserSimulator {
  readonly kind: string;
  readonly name: string;
  /** The customer's opening message. */
  start(ctx: EpisodeContext): Promise<string>;
  /** The customer's reply to an agent message. */
  reply(agentMessage: string): Promise<string>;
}

export const STOP_TOKEN = '###STOP###';
