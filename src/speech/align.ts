// The alignment stage of a speech policy: train the projector ALONE so that the policy hearing a
// customer's audio behaves like the same policy reading the customer's text. The teacher is the
// policy (adapter on, frozen) on the text prompt: its greedy next assistant turn and its full
// next-token distributions along that turn. The student is the policy on the speech prompt (projected
// audio spliced in): loss = Σ_t KL(teacher_t ‖ student_t) over the turn's positions, back-propagated
// through the frozen model into the projector only (trainer mode 'input'). Gated by the encoder's
// listening test: an encoder that cannot hear is not worth aligning.
import { CpuBackend } from '../model/cpu/backend.ts';
import { argmax } from '../model/sampling.ts';
import { forwardBackward, sequenceLogprobs, type TrainSequence } from '../train/cpu/model.ts';
import { trainModelToWeights, type TrainModel } from '../train/cpu/params.ts';
import type { LoraAdapter } from '../train/lora.ts';
import { CpuAdamW } from '../train/optimizer.ts';
import { mergeAdapter } from '../train/peft.ts';
import type { AudioProjector, HeardSlot, ProjectedRows } from './projector.ts';

/** One customer turn in both modalities: the text prompt and the speech prompt with its audio slots. */
export interface AlignExample {
  text: number[];
  speech: { tokens: number[]; slots: HeardSlot[] };
}

/** What the listening test said (listening.json): exact-match rate per identifier kind. */
export interface ListeningGate {
  rates: Record<string, number>;
  threshold: number;
}

export function checkListeningGate(g: ListeningGate): void {
  const failed = Object.entries(g.rates).filter(([, r]) => !(r >= g.threshold));
  if (Object.keys(g.rates).length === 0) throw new Error('alignment: the listening test reported no figures');
  if (failed.length) {
    throw new Error(`alignment: the encoder failed its listening test (${failed.map(([k, r]) => `${k} ${(100 * r).toFixed(0)}%`).join(', ')} < ${(100 * g.threshold).toFixed(0)}%); align only an encoder that hears`);
  }
}

export interface AlignOptions {
  model: TrainModel;
  adapter: LoraAdapter | null;
  projector: AudioProjector;
  train: AlignExample[];
  heldOut: AlignExample[];
  steps: number;
  batchSize: number;
  lr: number;
  /** Length of the teacher's next assistant turn (greedy, stops at eos). */
  maxTurnTokens: number;
  eosTokenIds: number[];
  gate: ListeningGate;
  seed?: number;
  onStep?: (r: { step: number; kl: number; ms: number }) => void;
}

interface Target {
  example: AlignExample;
  turn: number[];
  logprobs: Float64Array[];
}

export interface AlignReport {
  steps: number;
  klFirst: number;
  klLast: number;
  /** Held-out share of turns whose first token the student (hearing) predicts as the teacher (reading) does. */
  agreementBefore: number;
  agreementAfter: number;
  heldOutKlBefore: number;
  heldOutKlAfter: number;
  ms: number;
}

async function teacherTargets(o: AlignOptions, examples: AlignExample[]): Promise<Target[]> {
  const base = trainModelToWeights(o.model);
  const backend = new CpuBackend(o.adapter ? mergeAdapter(base, o.adapter) : base);
  const turns = await backend.generate(examples.map((e) => e.text), { maxNewTokens: o.maxTurnTokens, greedy: true, stopTokenIds: o.eosTokenIds });
  return examples.map((example, i) => {
    const turn = turns[i]!.tokens;
    const at = turn.map((_, j) => example.text.length - 1 + j);
    const tokens = [...example.text, ...turn];
    const d = sequenceLogprobs(o.model, o.adapter, [{ tokens, trainable: new Array(tokens.length - 1).fill(0) }], { distributionsAt: [at], neededLogitsOnly: true }).distributions![0]!;
    return { example, turn, logprobs: d };
  });
}

/** The policy hearing the turn, taught by the reader's distributions along its next assistant turn. */
function studentSequence(o: AlignOptions, t: Target): { projected: ProjectedRows; seq: TrainSequence; first: number } {
  const s = t.example.speech;
  const tokens = [...s.tokens, ...t.turn];
  const projected = o.projector.rows(s.slots);
  const positions = t.turn.map((_, j) => s.tokens.length - 1 + j);
  const seq = { tokens, trainable: new Array<number>(tokens.length - 1).fill(0), inputRows: projected.rows, teacher: { positions, logprobs: t.logprobs } };
  return { projected, seq, first: positions[0]! };
}

/** Mean KL over held-out turns and the first-token agreement (argmax of student vs teacher). */
function heldOutScore(o: AlignOptions, targets: Target[]): { kl: number; agreement: number } {
  let kl = 0, agree = 0;
  for (const t of targets) {
    const s = studentSequence(o, t);
    const r = forwardBackward(o.model, o.adapter, [s.seq], { mode: 'none', distributionsAt: [[s.first]], neededLogitsOnly: true });
    kl += r.teacherKl!;
    if (argmax(r.distributions![0]![0]!) === argmax(t.logprobs[0]!)) agree++;
  }
  return { kl: kl / targets.length, agreement: agree / targets.length };
}

export async function alignProjector(o: AlignOptions): Promise<AlignReport> {
  checkListeningGate(o.gate);
  if (o.train.length === 0) throw new Error('alignment: no training examples');
  if (!(o.steps >= 1) || !(o.batchSize >= 1)) throw new Error(`alignment: steps and batchSize must be ≥ 1 (got ${o.steps}, ${o.batchSize})`);
  const started = performance.now();
  const train = (await teacherTargets(o, o.train)).filter((t) => t.turn.length > 0);
  const held = (await teacherTargets(o, o.heldOut)).filter((t) => t.turn.length > 0);
  if (train.length === 0) throw new Error('alignment: the teacher produced no assistant turn to align on');
  const before = held.length ? heldOutScore(o, held) : { kl: Number.NaN, agreement: Number.NaN };
  const opt = new CpuAdamW(o.projector.params(), { lr: o.lr, weightDecay: 0, maxGradNorm: 1 });
  let klFirst = Number.NaN, klLast = Number.NaN;
  let cursor = (o.seed ?? 0) % train.length;
  for (let step = 0; step < o.steps; step++) {
    const t0 = performance.now();
    const grads = new Map<string, Float64Array>();
    let kl = 0;
    for (let b = 0; b < o.batchSize; b++) {
      const t = train[cursor]!;
      cursor = (cursor + 1) % train.length;
      const s = studentSequence(o, t);
      const r = forwardBackward(o.model, o.adapter, [s.seq], { mode: 'input', neededLogitsOnly: true });
      kl += r.teacherKl!;
      o.projector.backward(s.projected, r.inputGrads![0]!, grads);
    }
    for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i]! /= o.batchSize;
    kl /= o.batchSize;
    opt.step(grads, kl);
    if (step === 0) klFirst = kl;
    klLast = kl;
    o.onStep?.({ step, kl, ms: performance.now() - t0 });
  }
  const after = held.length ? heldOutScore(o, held) : { kl: Number.NaN, agreement: Number.NaN };
  return {
    steps: o.steps, klFirst, klLast,
    agreementBefore: before.agreement, agreementAfter: after.agreement,
    heldOutKlBefore: before.kl, heldOutKlAfter: after.kl,
    ms: performance.now() - started,
  };
}
