// The spoken intent episode: speech RL in miniature but real. A customer asks to refund, cancel,
// exchange or track an order; the policy must answer with that tool call (one action token per tool).
// In a text episode the request is a word token; in a speech episode it is the customer's sentence
// rendered by espeak-ng with a seeded voice, heard by the frozen listener encoder, projected by the
// trainable projector and spliced between <|audio_bos|> and <|audio_eos|> — so the policy must hear the
// verb. The verifier rewards exactly the requested tool. Tasks of the held-out split use other order
// ids and sentences; every rollout of a group is spoken by its own voice.
import { parseAssistantOutput } from '../../model/tool-calls.ts';
import { TRAJECTORY_VERSION, type Trajectory, type Turn } from '../../rollout/trajectory.ts';
import { spokenTurnRecord, type HeardTurn, type HearRequest } from '../../speech/hearing.ts';
import type { AudioProjector, HeardSlot } from '../../speech/projector.ts';
import type { SampledTask } from '../sampler.ts';
import { singleTurnTokens } from './toy-suite.ts';
import { groupGenerateOptions, type EpisodeSuite, type PolicyRun } from './types.ts';

export const SPOKEN_INTENTS = ['refund', 'cancel', 'exchange', 'track'] as const;
/** Token ids: one action token per intent (a whole tool call), the audio markers, one word per intent. */
export const SPOKEN_ACTION_TOKENS = [4, 5, 6, 7] as const;
export const SPOKEN_AUDIO_IDS = { bos: 8, pad: 9, eos: 10 } as const;
export const SPOKEN_INTENT_WORDS = [11, 12, 13, 14] as const;
const FIRST_WORD = 15;
export const SPOKEN_MIN_VOCAB = 24;

const SENTENCES = [
  (verb: string, id: string) => `I would like to ${verb} my order ${id}.`,
  (verb: string, id: string) => `Please ${verb} order ${id}.`,
  (verb: string, id: string) => `Could you ${verb} order ${id} for me?`,
];

export interface SpokenToySuiteOptions {
  vocabSize: number;
  eosTokenIds: number[];
  /** Hears a customer's sentence (TTS → frozen encoder), cached per audio. */
  hearing: { hear(r: HearRequest): Promise<HeardTurn> };
  /** The policy's projector (shared with the speech training engine, so rollouts use its current weights). */
  projector: AudioProjector;
  /** Training tasks; the held-out split gets as many again (default 8). */
  tasks?: number;
}

export class SpokenToySuite implements EpisodeSuite {
  readonly kind = 'retail' as const; // sampled through the retail stream, which carries the speech flag
  readonly name = 'spoken-intent';
  readonly judged = false;
  readonly speech = true;
  private readonly tasks: number;

  constructor(private readonly o: SpokenToySuiteOptions) {
    if (!Number.isInteger(o.vocabSize) || o.vocabSize < SPOKEN_MIN_VOCAB) throw new Error(`spoken suite: the model's vocabulary (${o.vocabSize}) must have at least ${SPOKEN_MIN_VOCAB} tokens`);
    const clash = o.eosTokenIds.find((id) => id >= SPOKEN_ACTION_TOKENS[0] && id < FIRST_WORD);
    if (clash !== undefined) throw new Error(`spoken suite: eos id ${clash} collides with the suite's reserved ids ${SPOKEN_ACTION_TOKENS[0]}–${FIRST_WORD - 1}`);
    if (o.projector.config.modelDim <= 0) throw new Error('spoken suite: bad projector');
    this.tasks = o.tasks ?? 8;
  }

  taskIds(split: string): string[] {
    const offset = split === 'train' ? 0 : this.tasks;
    return Array.from({ length: this.tasks }, (_, i) => `spoken#${offset + i}`);
  }

  /** The task's intent, order id and the sentence rollout k speaks. */
  describe(index: number, k: number) {
    const intent = index % SPOKEN_INTENTS.length;
    const verb = SPOKEN_INTENTS[intent]!;
    const orderId = `#W${String(2000000 + 7919 * index).slice(0, 7)}`;
    return { intent, verb, orderId, sentence: SENTENCES[(index + k) % SENTENCES.length]!(verb, orderId) };
  }

  /**
   * Two context words per rollout, never per task: the request (word or audio) is the only clue to
   * the tool, so a policy cannot pass by memorising training tasks from their context.
   */
  context(k: number): number[] {
    const span = this.o.vocabSize - FIRST_WORD;
    const pick = (x: number) => {
      let id = FIRST_WORD + (x % span);
      while (this.o.eosTokenIds.includes(id)) id = FIRST_WORD + ((id - FIRST_WORD + 1) % span);
      return id;
    };
    return [pick(k * 5), pick(k * 3 + 2)];
  }

  /** The task index of a task id ("spoken#<index>"). */
  indexOf(taskId: string): number {
    const index = Number(taskId.split('#')[1]);
    if (!Number.isInteger(index) || index < 0) throw new Error(`spoken suite: bad task id ${taskId}`);
    return index;
  }

  /** Rollout k's prompt reading the request: its context words, then the intent word. */
  textPrompt(index: number, k: number): number[] {
    return [...this.context(k), SPOKEN_INTENT_WORDS[this.describe(index, k).intent]!];
  }

  /**
   * Rollout k's prompt hearing the request: its context words, <|audio_bos|>, one pad per audio token,
   * <|audio_eos|>; with the heard sentence and the slot its projected frames fill.
   */
  async spokenPrompt(taskId: string, k: number): Promise<{ tokens: number[]; heard: HeardTurn; slot: HeardSlot }> {
    const context = this.context(k);
    const heard = await this.o.hearing.hear({ text: this.describe(this.indexOf(taskId), k).sentence, taskId, turn: 0, rollout: k });
    const count = this.o.projector.tokensFor(heard.T);
    const { bos, pad, eos } = SPOKEN_AUDIO_IDS;
    return {
      tokens: [...context, bos, ...new Array<number>(count).fill(pad), eos],
      heard,
      slot: { bos: context.length, count, frames: heard.frames, T: heard.T },
    };
  }

  decode(ids: readonly number[], orderId: string): string {
    return ids.map((id) => {
      const a = (SPOKEN_ACTION_TOKENS as readonly number[]).indexOf(id);
      if (a >= 0) return `<tool_call>\n{"name": "${SPOKEN_INTENTS[a]}", "arguments": {"order_id": "${orderId}"}}\n</tool_call>`;
      if (this.o.eosTokenIds.includes(id)) return '<|im_end|>';
      return ` w${id}`;
    }).join('');
  }

  async runGroup(task: SampledTask, _split: string, groupSize: number, policy: PolicyRun): Promise<Trajectory[]> {
    if (task.kind !== 'retail') throw new Error(`spoken suite: got a ${task.kind} task`);
    const index = this.indexOf(task.taskId);
    const started = Date.now();
    const prompts: number[][] = [];
    const heard: ({ heard: HeardTurn; slot: HeardSlot } | null)[] = [];
    const rows = [];
    for (let k = 0; k < groupSize; k++) {
      if (!task.speech) {
        prompts.push(this.textPrompt(index, k));
        heard.push(null);
        rows.push(null);
        continue;
      }
      const p = await this.spokenPrompt(task.taskId, k);
      prompts.push(p.tokens);
      heard.push(p);
      rows.push(this.o.projector.rows([p.slot]).rows);
    }
    const opts = { ...groupGenerateOptions(policy, this.o.eosTokenIds), ...(task.speech ? { promptEmbeddings: rows } : {}) };
    const results = await policy.backend.generate(prompts, opts);
    return results.map((r, k): Trajectory => {
      const { verb, orderId, sentence } = this.describe(index, k);
      const prompt = prompts[k]!;
      const raw = this.decode(r.tokens, orderId);
      const parsed = parseAssistantOutput(raw);
      const calls = parsed.toolCalls.map((c, j) => ({ id: `call_0_${j}`, name: c.name, arguments: c.arguments }));
      const right = calls.some((c) => c.name === verb);
      const wrong = calls.some((c) => c.name !== verb);
      const h = heard[k];
      const speech = h ? [spokenTurnRecord(h.heard, 0, h.slot.bos, h.slot.count)] : undefined;
      const turns: Turn[] = [
        { role: 'user', text: sentence },
        { role: 'assistant', agentTurn: 0, text: parsed.content, raw, toolCalls: calls, tokenSpan: [prompt.length, prompt.length + r.tokens.length], finishReason: r.finishReason },
        ...calls.map((c): Turn => ({ role: 'tool', callId: c.id, name: c.name, output: c.name === verb ? 'done' : `the customer asked to ${verb}, not ${c.name}`, error: c.name !== verb })),
      ];
      return {
        version: TRAJECTORY_VERSION,
        id: `${task.taskId}-${task.speech ? 'speech' : 'text'}-s${policy.seed + k}`,
        task: { split: 'spoken', index, userId: '', instruction: sentence, actions: [{ name: verb, kwargs: { order_id: orderId } }], outputs: [] },
        agent: { kind: 'policy', name: 'policy' },
        user: { kind: task.speech ? 'spoken-toy (speech)' : 'spoken-toy (text)', name: 'spoken-toy' },
        seed: policy.seed + k,
        maxTurns: 1,
        turns,
        end: { reason: 'user_stop' },
        tokens: singleTurnTokens(prompt, r),
        verifier: { reward: right && !wrong ? 1 : 0, info: { asked: verb, called: calls.map((c) => c.name) } },
        timing: { startedAt: new Date(started).toISOString(), ms: Date.now() - started },
        ...(speech ? { speech } : {}),
      };
    });
  }
}
