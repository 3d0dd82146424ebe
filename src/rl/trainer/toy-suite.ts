// The toy tool-call episode of the learning test (and `tarl train --task toy` smoke runs): a tiny
// vocabulary whose token TOOL_TOKEN decodes to a complete <tool_call> for `refund`, another to a
// call of the wrong tool, the rest to plain words. The policy answers a fixed per-task prompt in one
// turn; the environment runs whatever tool calls the decoded text contains (parsed by the real
// tool-call parser) and the verifier rewards 1 exactly when `refund` was called with the task's
// order id. A random tiny model emits the call rarely (≈ maxNewTokens / vocab); RL must find it.
import { parseAssistantOutput } from '../../model/tool-calls.ts';
import { TRAJECTORY_VERSION, type TokenRecord, type Trajectory, type Turn } from '../../rollout/trajectory.ts';
import type { SampledTask } from '../sampler.ts';
import { groupGenerateOptions, type EpisodeSuite, type PolicyRun } from './types.ts';

export const TOY_TOOL_TOKEN = 4;
export const TOY_WRONG_TOOL_TOKEN = 5;
export const TOY_MIN_VOCAB = 8;
const TOY_TOOL = 'refund';

export interface ToySuiteOptions {
  vocabSize: number;
  /** End-of-turn token ids (the model config's eos). */
  eosTokenIds: number[];
  /** Training tasks; the held-out split gets as many again. */
  tasks?: number;
  /** Prompt length in tokens (default 3; the benchmark uses longer prompts). */
  promptTokens?: number;
}

/** The token record of a one-turn episode: the prompt (not trainable), then the sampled turn. */
export function singleTurnTokens(prompt: readonly number[], r: { tokens: number[]; logprobs: number[] }): TokenRecord {
  return {
    ids: [...prompt, ...r.tokens],
    logprobs: [...prompt.map(() => 0), ...r.logprobs],
    trainable: [...prompt.map(() => 0), ...r.tokens.map(() => 1)],
    turn: [...prompt.map(() => -1), ...r.tokens.map(() => 0)],
  };
}

export class ToyToolSuite implements EpisodeSuite {
  readonly kind = 'retail' as const; // sampled through the sampler's retail stream
  readonly name = 'toy-tool-call';
  readonly judged = false;
  private readonly tasks: number;

  constructor(private readonly o: ToySuiteOptions) {
    if (!Number.isInteger(o.vocabSize) || o.vocabSize < TOY_MIN_VOCAB) throw new Error(`toy suite: the model's vocabulary (${o.vocabSize}) must have at least ${TOY_MIN_VOCAB} tokens`);
    this.tasks = o.tasks ?? 4;
  }

  taskIds(split: string): string[] {
    const offset = split === 'train' ? 0 : this.tasks;
    return Array.from({ length: this.tasks }, (_, i) => `toy#${offset + i}`);
  }

  /** Token ids → text: the tool token is a whole tool call; eos is the end-of-turn marker. */
  decode(ids: readonly number[], orderId: string): string {
    return ids
      .map((id) => {
        if (id === TOY_TOOL_TOKEN) return `<tool_call>\n{"name": "${TOY_TOOL}", "arguments": {"order_id": "${orderId}"}}\n</tool_call>`;
        if (id === TOY_WRONG_TOOL_TOKEN) return `<tool_call>\n{"name": "cancel", "arguments": {"order_id": "${orderId}"}}\n</tool_call>`;
        if (this.o.eosTokenIds.includes(id)) return '<|im_end|>';
        return ` w${id}`;
      })
      .join('');
  }

  prompt(index: number): number[] {
    // Distinct, fixed prompts per task, avoiding the special tokens and eos.
    const V = this.o.vocabSize;
    const pick = (x: number) => {
      let id = 6 + (x % (V - 6));
      while (this.o.eosTokenIds.includes(id)) id = 6 + ((id - 6 + 1) % (V - 6));
      return id;
    };
    const n = this.o.promptTokens ?? 3;
    const mul = [1, 7, 13];
    const add = [0, 3, 5];
    return Array.from({ length: n }, (_, j) => pick(index * (mul[j] ?? 6 * j + 1) + (add[j] ?? 7 * j)));
  }

  async runGroup(task: SampledTask, _split: string, groupSize: number, policy: PolicyRun): Promise<Trajectory[]> {
    if (task.kind !== 'retail') throw new Error(`toy suite: got a ${task.kind} task`);
    const index = Number(task.taskId.split('#')[1]);
    if (!Number.isInteger(index)) throw new Error(`toy suite: bad task id ${task.taskId}`);
    const prompt = this.prompt(index);
    const orderId = `#W${String(1000000 + index)}`;
    const started = Date.now();
    const results = await policy.backend.generate(Array.from({ length: groupSize }, () => prompt), groupGenerateOptions(policy, this.o.eosTokenIds));
    return results.map((r, k): Trajectory => {
      const raw = this.decode(r.tokens, orderId);
      const parsed = parseAssistantOutput(raw);
      const calls = parsed.toolCalls.map((c, j) => ({ id: `call_0_${j}`, name: c.name, arguments: c.arguments }));
      const refunded = calls.some((c) => c.name === TOY_TOOL && (c.arguments as Record<string, unknown>)?.order_id === orderId);
      const turns: Turn[] = [
        { role: 'user', text: `Please refund order ${orderId}.` },
        { role: 'assistant', agentTurn: 0, text: parsed.content, raw, toolCalls: calls, tokenSpan: [prompt.length, prompt.length + r.tokens.length], finishReason: r.finishReason },
        ...calls.map((c): Turn => ({ role: 'tool', callId: c.id, name: c.name, output: c.name === TOY_TOOL ? 'refunded' : `Unknown action ${c.name}`, error: c.name !== TOY_TOOL })),
      ];
      return {
        version: TRAJECTORY_VERSION,
        id: `${task.taskId}-s${policy.seed + k}`,
        task: { split: 'toy', index, userId: '', instruction: `refund ${orderId}`, actions: [{ name: TOY_TOOL, kwargs: { order_id: orderId } }], outputs: [] },
        agent: { kind: 'policy', name: 'policy' },
        user: { kind: 'toy', name: 'toy' },
        seed: policy.seed + k,
        maxTurns: 1,
        turns,
        end: { reason: 'user_stop' },
        tokens: singleTurnTokens(prompt, r),
        verifier: { reward: refunded ? 1 : 0 },
        timing: { startedAt: new Date(started).toISOString(), ms: Date.now() - started },
      };
    });
  }
}
