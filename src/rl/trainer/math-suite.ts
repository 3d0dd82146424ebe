// Math episodes for mixing into RL batches: one user turn (the problem), one policy turn, reward
// 1/0 from the answer extractor. The G rollouts of a problem go to the backend as ONE batched
// generate call (sequence k samples with samplingUniform(seed, k, ·)).
import type { ModelTokenizer } from '../../model/tokenizer.ts';
import { parseAssistantOutput } from '../../model/tool-calls.ts';
import { TRAJECTORY_VERSION, type Trajectory } from '../../rollout/trajectory.ts';
import { mathReward } from '../math/extract.ts';
import { generateProblem, mathPrompt, type MathProblem } from '../math/generator.ts';
import type { SampledTask } from '../sampler.ts';
import { groupGenerateOptions, type EpisodeSuite, type PolicyRun } from './types.ts';

export interface MathSuiteOptions {
  /** Qwen3 templates: false renders an empty <think></think>. */
  enableThinking?: boolean;
}

export class MathSuite implements EpisodeSuite {
  readonly kind = 'math' as const;
  readonly name = 'math';
  readonly judged = false;

  constructor(
    private readonly tokenizer: ModelTokenizer,
    private readonly options: MathSuiteOptions = {},
  ) {}

  taskIds(): string[] {
    return []; // math problems are generated from the sampler's seeds, never listed
  }

  async runGroup(task: SampledTask, _split: string, groupSize: number, policy: PolicyRun): Promise<Trajectory[]> {
    if (task.kind !== 'math') throw new Error(`MathSuite: got a ${task.kind} task`);
    const problem = generateProblem(task.seed, task.difficulty, task.flavor);
    const question = mathPrompt(problem);
    const text = this.tokenizer.applyChatTemplate([{ role: 'user', content: question }], { addGenerationPrompt: true, enableThinking: this.options.enableThinking });
    const prompt = this.tokenizer.encode(text);
    const started = Date.now();
    const results = await policy.backend.generate(Array.from({ length: groupSize }, () => prompt), groupGenerateOptions(policy, this.tokenizer.eosTokenIds));
    return results.map((r, k) => {
      const raw = this.tokenizer.decode(r.tokens);
      return mathTrajectory(problem, question, prompt, r.tokens, r.logprobs, r.finishReason, raw, policy.seed + k, started);
    });
  }
}

function mathTrajectory(
  problem: MathProblem, question: string, prompt: number[], completion: number[], logprobs: number[],
  finishReason: string, raw: string, seed: number, started: number,
): Trajectory {
  const content = parseAssistantOutput(raw).content;
  const n = prompt.length + completion.length;
  return {
    version: TRAJECTORY_VERSION,
    id: `${problem.id}-s${seed}`,
    task: { split: 'math', index: problem.seed, userId: '', instruction: problem.question, actions: [], outputs: [problem.answer] },
    agent: { kind: 'policy', name: 'policy' },
    user: { kind: 'math', name: 'math' },
    seed,
    maxTurns: 1,
    turns: [
      { role: 'user', text: question },
      { role: 'assistant', agentTurn: 0, text: content, raw, toolCalls: [], tokenSpan: [prompt.length, n], finishReason },
    ],
    end: { reason: 'user_stop' },
    tokens: {
      ids: [...prompt, ...completion],
      logprobs: [...prompt.map(() => 0), ...logprobs],
      trainable: [...prompt.map(() => 0), ...completion.map(() => 1)],
      turn: [...prompt.map(() => -1), ...completion.map(() => 0)],
    },
    // The extractor reads the whole completion (a \boxed{} may sit inside the reasoning).
    verifier: { reward: mathReward(raw, problem.answer), info: { expected: problem.answer } },
    timing: { startedAt: new Date(started).toISOString(), ms: Date.now() - started },
  };
}
