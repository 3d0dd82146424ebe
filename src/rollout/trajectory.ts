// The trajectory: one episode, versioned and JSON-serialisable, carrying everything training,
// judging and the studio need — every turn, the sampled tokens with their log-probs and trainable
// mask, the verifier result, the judge's per-turn scores and the rewards. Never holds API keys.
import type { EpisodeRewards } from '../reward/shaping.ts';
import type { RewardConfig } from '../reward/config.ts';

export const TRAJECTORY_VERSION = 1 as const;

export interface ToolAction {
  name: string;
  kwargs: Record<string, unknown>;
}

/** The part of a τ-bench task an episode needs. */
export interface EpisodeTask {
  split: string;
  index: number;
  userId: string;
  instruction: string;
  actions: ToolAction[];
  outputs: string[];
}

export interface ToolCall {
  /** Unique within the trajectory (call_<agentTurn>_<k>). */
  id: string;
  name: string;
  /** Parsed JSON arguments (an object when well formed). */
  arguments: unknown;
}

export interface SystemTurn { role: 'system'; text: string }
export interface UserTurn { role: 'user'; text: string }
export interface AssistantTurn {
  role: 'assistant';
  /** Index among agent turns (0..T−1): the judge scores and per-turn rewards use it. */
  agentTurn: number;
  /** The visible text: what the customer reads (reasoning and tool-call markup removed). */
  text: string;
  /** Policy turns: the whole decoded completion (reasoning, tool-call markup, end token). */
  raw?: string;
  toolCalls: ToolCall[];
  /** Why a tool call in the text could not be used (malformed JSON, not an object, ...). */
  parseError?: string;
  /** Policy turns: the span [start, end) of this turn's sampled tokens in `Trajectory.tokens`. */
  tokenSpan?: [number, number];
  finishReason?: string;
}
export interface ToolTurn {
  role: 'tool';
  /** The call this answers (or '' for an error observation about unusable tool-call text). */
  callId: string;
  name: string;
  output: string;
  /** The observation is an error (tool error string, unknown tool, bad arguments, parse failure). */
  error: boolean;
}
export type Turn = SystemTurn | UserTurn | AssistantTurn | ToolTurn;

export type EndReason = 'user_stop' | 'transfer' | 'max_turns' | 'agent_error' | 'user_error';

export interface TokenRecord {
  /** The whole episode as the policy saw and produced it (prompt, observations, completions). */
  ids: number[];
  /** Log-prob of each token under the sampling policy (0 for tokens it did not sample). */
  logprobs: number[];
  /** 1 for tokens the loss may train on (the policy's own completions), else 0. */
  trainable: number[];
  /** Agent turn that sampled each token, −1 for everything else. */
  turn: number[];
}

export interface VerifierResult {
  reward: number;
  /** Free-form details from the verifier (e.g. DB match, missing outputs). */
  info?: Record<string, unknown>;
}

export interface TurnJudgement {
  agentTurn: number;
  score: -1 | 0 | 1;
  rationale: string;
}

export interface JudgeResult {
  judge: string;
  turns: TurnJudgement[];
  /** True when the judge failed after its retries: every score is a neutral 0. */
  flagged: boolean;
  error?: string;
  /** True when the reply was repaired (e.g. a second −1 turned into 0). */
  repaired?: boolean;
  usage?: { promptTokens: number; completionTokens: number; costUsd: number; cached: boolean; attempts: number };
}

export interface Trajectory {
  version: typeof TRAJECTORY_VERSION;
  id: string;
  task: EpisodeTask;
  agent: { kind: 'oracle' | 'policy'; name: string };
  user: { kind: string; name: string };
  seed: number;
  maxTurns: number;
  turns: Turn[];
  end: { reason: EndReason; detail?: string };
  tokens?: TokenRecord;
  verifier?: VerifierResult;
  judge?: JudgeResult;
  rewards?: { config: RewardConfig; result: EpisodeRewards };
  timing?: { startedAt: string; ms: number };
  /** Speech episodes: the user turns the policy heard as audio instead of reading them. */
  speech?: SpokenTurn[];
}

/** A user turn heard as audio: its text is the transcript; the audio sits at <|audio_bos|> pad… <|audio_eos|>. */
export interface SpokenTurn {
  /** Index in `turns`. */
  turn: number;
  /** The hearing cache key (TTS audio + encoder): the frames are looked up, never stored here. */
  key: string;
  /** Position of <|audio_bos|> in `tokens.ids`; `audioTokens` pad positions follow, then <|audio_eos|>. */
  bos: number;
  audioTokens: number;
  encoderFrames: number;
  durationS: number;
  preset: string;
  /** What espeak-ng was given (identifiers spelled out). */
  spokenText: string;
  /** The hearing request's voice seeds besides the turn index: with the transcript and preset they
   * replay exactly this audio (the studio's "▶ hear"). */
  taskId?: string;
  rollout?: number;
  /** The TTS render's content hash (text, seeded voice, preset, noise seed): the replay is checked against it. */
  audioKey?: string;
}

export function agentTurns(t: Pick<Trajectory, 'turns'>): AssistantTurn[] {
  return t.turns.filter((x): x is AssistantTurn => x.role === 'assistant');
}

/** Per-agent-turn scores for reward shaping; a missing or flagged judgement counts as neutral 0. */
export function judgeScores(t: Trajectory): number[] {
  const T = agentTurns(t).length;
  const scores = new Array<number>(T).fill(0);
  if (!t.judge || t.judge.flagged) return scores;
  for (const j of t.judge.turns) if (j.agentTurn >= 0 && j.agentTurn < T) scores[j.agentTurn] = j.score;
  return scores;
}

export function serializeTrajectory(t: Trajectory): string {
  return JSON.stringify(t);
}

/** Parses one JSON line into a trajectory, checking the version and the fields consumers rely on. */
export function parseTrajectory(line: string, where = 'trajectory'): Trajectory {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
  const t = v as Partial<Trajectory>;
  if (!t || typeof t !== 'object') throw new Error(`${where}: not an object`);
  if (t.version !== TRAJECTORY_VERSION) throw new Error(`${where}: version ${JSON.stringify(t.version)} is not supported (expected ${TRAJECTORY_VERSION})`);
  if (!Array.isArray(t.turns)) throw new Error(`${where}: "turns" is not an array`);
  if (!t.task || !Array.isArray(t.task.actions) || typeof t.task.instruction !== 'string') throw new Error(`${where}: "task" lacks actions/instruction`);
  t.turns.forEach((x, i) => {
    if (!x || !['system', 'user', 'assistant', 'tool'].includes((x as Turn).role)) throw new Error(`${where}: turn ${i} has no valid role`);
    // The judges and the reward shaping read these fields: reject a malformed file here, by name.
    if (x.role === 'assistant' && (!Array.isArray(x.toolCalls) || !Number.isInteger(x.agentTurn) || typeof x.text !== 'string')) {
      throw new Error(`${where}: assistant turn ${i} needs text, toolCalls (an array) and an integer agentTurn`);
    }
    if (x.role === 'tool' && typeof x.output !== 'string') throw new Error(`${where}: tool turn ${i} has no output string`);
    if ((x.role === 'user' || x.role === 'system') && typeof x.text !== 'string') throw new Error(`${where}: ${x.role} turn ${i} has no text`);
  });
  if (t.tokens) {
    const n = t.tokens.ids.length;
    for (const k of ['logprobs', 'trainable', 'turn'] as const) {
      if (!Array.isArray(t.tokens[k]) || t.tokens[k].length !== n) throw new Error(`${where}: tokens.${k} does not have ${n} entries`);
    }
  }
  return t as Trajectory;
}

/** Parses a JSON-lines file body (blank lines ignored), naming the line of any error. */
export function parseTrajectoryLines(text: string, source = 'input'): Trajectory[] {
  const out: Trajectory[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim()) out.push(parseTrajectory(line, `${source}:${i + 1}`));
  });
  return out;
}
