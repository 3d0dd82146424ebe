// SFT demonstrations for the default model, tokenized exactly as the policy sees them at run time.
// Retail: the oracle agent with the scripted user on the TRAIN split only; each finished episode is
// then replayed through the real PolicyAgent with a backend that "generates" the oracle's turns, so
// the token sequence (template deltas, empty <think> block, <|im_end|> stops) is byte-for-byte the
// one the policy builds during `tarl eval`/`tarl train`. Math: problems with worked solutions.
// Trainable positions are the assistant completions only.
import type { GenerateOptions, GenerateResult, InferenceBackend } from '../backend.ts';
import type { ModelConfig } from '../config.ts';
import type { ChatMessage, ToolSchema } from '../chat-template.ts';
import type { ModelTokenizer } from '../tokenizer.ts';
import { OracleAgent } from '../../rollout/agents/oracle.ts';
import { PolicyAgent, toChatMessages } from '../../rollout/agents/policy.ts';
import { runEpisodeBatch } from '../../rollout/batch.ts';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki } from '../../rollout/node-data.ts';
import { retailEnvironment, sandboxData } from '../../rollout/retail-env.ts';
import type { Trajectory } from '../../rollout/trajectory.ts';
import type { EpisodeContext } from '../../rollout/types.ts';
import { ScriptedUser } from '../../rollout/users/scripted.ts';
import { DIFFICULTIES, generateProblem, mathPrompt } from '../../rl/math/generator.ts';
import type { TrainSequence } from '../../train/cpu/model.ts';

export interface Demo extends TrainSequence {
  source: string;
  trainable: Uint8Array;
}

/** Oracle + scripted-user episodes on the retail train split (never dev/test); only successful ones. */
export async function oracleTrajectories(maxTasks?: number, seed = 0): Promise<Trajectory[]> {
  let tasks = loadTasks('train');
  if (maxTasks !== undefined) tasks = tasks.slice(0, maxTasks);
  const sandbox = await sandboxData();
  const out = await runEpisodeBatch({
    tasks,
    trials: 1,
    seed,
    systemPrompt: loadWiki(),
    tools: loadToolSchemas(),
    db: loadRetailData(),
    makeAgent: () => new OracleAgent(),
    makeUser: () => new ScriptedUser(),
    makeEnv: (t) => retailEnvironment(sandbox, t, { checkOutputs: false }),
  });
  return out.filter((t) => (t.verifier?.reward ?? 0) >= 1);
}

/** A backend that returns prescribed completions, one per generate() call, in order. */
class ForcedBackend implements InferenceBackend {
  readonly device = 'cpu' as const;
  private queue: number[][] = [];
  constructor(readonly config: ModelConfig) {}
  push(tokens: number[]): void {
    this.queue.push(tokens);
  }
  async logits(): Promise<Float32Array[]> {
    throw new Error('ForcedBackend has no logits');
  }
  async generate(prompts: number[][], _o: GenerateOptions): Promise<GenerateResult[]> {
    return prompts.map(() => {
      const t = this.queue.shift();
      if (!t) throw new Error('ForcedBackend: no completion queued');
      return { tokens: t, logprobs: t.map(() => 0), finishReason: 'stop_token' };
    });
  }
  dispose(): void {}
}

/** The completion text of assistant message `i`: what the template adds after the generation prompt. */
function completionText(tok: ModelTokenizer, messages: ChatMessage[], i: number, tools: ToolSchema[]): string {
  const opts = { tools, enableThinking: false };
  const prompt = tok.applyChatTemplate(messages.slice(0, i), { ...opts, addGenerationPrompt: true });
  const full = tok.applyChatTemplate(messages.slice(0, i + 1), { ...opts, addGenerationPrompt: false });
  if (!full.startsWith(prompt)) throw new Error(`demonstrations: the chat template re-renders history before assistant turn ${i}; cannot cut its completion`);
  const rest = full.slice(prompt.length);
  const end = rest.indexOf('<|im_end|>');
  if (end < 0) throw new Error(`demonstrations: assistant turn ${i} has no <|im_end|>`);
  return rest.slice(0, end + '<|im_end|>'.length);
}

/** One trajectory as the policy's token sequence with its assistant tokens trainable. */
export async function retailDemo(tok: ModelTokenizer, config: ModelConfig, t: Trajectory): Promise<Demo> {
  const backend = new ForcedBackend(config);
  const agent = new PolicyAgent(backend, tok, { maxNewTokens: 1 << 20, temperature: 0, enableThinking: false });
  const ctx: EpisodeContext = { task: t.task, systemPrompt: (t.turns[0] as { text: string }).text, tools: loadToolSchemas(), db: loadRetailData(), seed: t.seed };
  const messages = toChatMessages(t.turns);
  const ids: number[] = [];
  const mask: number[] = [];
  for (let i = 0; i < t.turns.length; i++) {
    if (t.turns[i]!.role !== 'assistant') continue;
    backend.push(tok.encode(completionText(tok, messages, i, ctx.tools as ToolSchema[])));
    const step = await agent.act(ctx, t.turns.slice(0, i));
    for (const id of step.tokens!.context) (ids.push(id), mask.push(0));
    for (const id of step.tokens!.completion) (ids.push(id), mask.push(1));
  }
  // mask[j] says whether token j is a target; the trainer's mask is over next-token positions.
  return { source: `retail:${t.task.split}#${t.task.index}`, tokens: ids, trainable: Uint8Array.from(mask.slice(1)) };
}

/** A math problem with its worked solution, rendered as the math suite prompts it. */
export function mathDemo(tok: ModelTokenizer, seed: number): Demo {
  const p = generateProblem(seed, DIFFICULTIES[seed % DIFFICULTIES.length]!);
  const prompt = tok.applyChatTemplate([{ role: 'user', content: mathPrompt(p) }], { addGenerationPrompt: true, enableThinking: false });
  const a = tok.encode(prompt);
  const b = tok.encode(`${p.solution}<|im_end|>`);
  const tokens = [...a, ...b];
  const trainable = new Uint8Array(tokens.length - 1);
  trainable.fill(1, a.length - 1);
  return { source: p.id, tokens, trainable };
}

export interface DemoSet {
  retail: Demo[];
  math: Demo[];
  episodes: number;
}

export async function buildDemos(tok: ModelTokenizer, config: ModelConfig, trajectories: Trajectory[], mathCount: number, mathSeed = 1): Promise<DemoSet> {
  const retail: Demo[] = [];
  for (const t of trajectories) retail.push(await retailDemo(tok, config, t));
  const math = Array.from({ length: mathCount }, (_, i) => mathDemo(tok, mathSeed + i));
  return { retail, math, episodes: trajectories.length };
}
