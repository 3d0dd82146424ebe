// Teacher-forced forward and backward of the whole model on the CPU in float64, over a ragged batch.
//
// Loss interface (general enough for RL): per sequence, for every next-token position t (predicting
// tokens[t+1] from tokens[≤t]) the caller gives `dLogprob[t]` = ∂L/∂logprob_t and whether the position
// is trainable (env/user/tool tokens are masked out); `entropyCoef` β adds −β·Σ H_t (an entropy bonus).
//   L = Σ_seq Σ_t mask_t·(dLogprob_t·logprob_t − β·H_t)        (its gradient is what is returned)
// With dLogprob = −1 everywhere this is the supervised NLL −Σ log p(x_{t+1} | x_≤t).
// PPO/GRPO clipped ratios, KL estimators and advantages reduce to dLogprob (see ../rl-loss.ts).
import { embeddingForward, embeddingBackward } from '../../reference/embedding_backward.ts';
import { rmsnormForward, rmsnormBackward } from '../../reference/rmsnorm_backward.ts';
import { logprobEntropy, logprobEntropyBackward, teacherKl, teacherKlBackward } from '../../reference/logprob.ts';
import type { LoraAdapter } from '../lora.ts';
import { logSoftmax } from '../../model/sampling.ts';
import { applyEmbeddingRows, checkEmbeddingRows, type EmbeddingRows } from '../../model/backend.ts';
import { cacheBytes, LayerRunner, type GradMode, type Grads, type LayerCache } from './layer.ts';
import { param, type TrainModel } from './params.ts';

export interface TrainSequence {
  tokens: number[];
  /** length tokens.length − 1; default: every position trainable */
  trainable?: ArrayLike<boolean | number>;
  /** length tokens.length − 1; default: −1 (supervised NLL) */
  dLogprob?: ArrayLike<number>;
  /**
   * Optional ∂L/∂h for the final hidden state h (after the final RMSNorm), row-major
   * (tokens.length − 1) × hiddenSize or tokens.length × hiddenSize: a head on h (e.g. PPO's value
   * head) back-propagates through the model with it. Applies whatever the trainable mask says.
   */
  dHidden?: ArrayLike<number>;
  /** Rows replacing the token embeddings at their positions (speech); their gradient comes back in `inputGrads`. */
  inputRows?: EmbeddingRows;
  /**
   * Soft targets (distillation): at next-token position positions[i] add KL(q_i ‖ p) to the loss, q_i
   * given as log-probabilities over the vocabulary. Independent of `trainable` and `dLogprob`.
   */
  teacher?: { positions: readonly number[]; logprobs: readonly Float64Array[] };
}

export interface ForwardBackwardOptions {
  /** 'lora': gradients of the adapter; 'full': of every base weight (adapter frozen); 'input': only of `inputRows`; 'none': forward only. */
  mode?: GradMode;
  entropyCoef?: number;
  /** Keep only each layer's input and recompute the layer in the backward pass. */
  recompute?: boolean;
  /** Return each sequence's final hidden state (after the final RMSNorm) in `hidden`. */
  returnHidden?: boolean;
  /** Per sequence: next-token positions whose whole log-distribution to return in `distributions`. */
  distributionsAt?: readonly (readonly number[] | undefined)[];
  /**
   * Compute the LM head only where it matters (trainable, teacher or asked-for positions); the other
   * positions' logprobs and entropies are NaN (the head over the vocabulary is a large share of short sequences' cost).
   */
  neededLogitsOnly?: boolean;
}

export interface MemoryReport {
  /** Peak bytes of saved activations held for the backward pass. */
  activationBytes: number;
  /** What storing every layer's activations would take. */
  activationBytesWithoutRecompute: number;
  savedBytes: number;
}

export interface ForwardBackwardResult {
  loss: number;
  /** per sequence, per next-token position */
  logprobs: Float64Array[];
  entropies: Float64Array[];
  grads: Grads;
  memory: MemoryReport;
  /** With returnHidden: per sequence, the final hidden state after the final RMSNorm (T × hiddenSize). */
  hidden?: Float64Array[];
  /** Per sequence with inputRows (null otherwise): ∂L/∂rows, positions × hiddenSize. */
  inputGrads?: (Float64Array | null)[];
  /** With distributionsAt: per sequence, the log-softmax rows at the asked positions. */
  distributions?: Float64Array[][];
  /** Σ over sequences of the teacher KL part of `loss`. */
  teacherKl?: number;
}

/** Throws, naming the problem, on a sequence that does not fit a model of vocabulary V and width D (both trainers). */
export function checkTrainSequence(s: TrainSequence, i: number, V: number, D: number, who = 'trainer'): void {
  if (s.tokens.length < 2) throw new Error(`${who}: sequence ${i} has ${s.tokens.length} tokens; at least 2 are needed to predict a next token`);
  for (const t of s.tokens) if (!Number.isInteger(t) || t < 0 || t >= V) throw new Error(`${who}: sequence ${i} has token id ${t} outside [0, ${V})`);
  const n = s.tokens.length - 1;
  if (s.trainable && s.trainable.length !== n) throw new Error(`${who}: sequence ${i} trainable mask has ${s.trainable.length} entries, expected ${n}`);
  if (s.dLogprob && s.dLogprob.length !== n) throw new Error(`${who}: sequence ${i} dLogprob has ${s.dLogprob.length} entries, expected ${n}`);
  if (s.dHidden && s.dHidden.length !== n * D && s.dHidden.length !== (n + 1) * D) {
    throw new Error(`${who}: sequence ${i} dHidden has ${s.dHidden.length} entries, expected ${n * D} or ${(n + 1) * D} (positions × hidden size ${D})`);
  }
  if (s.inputRows) checkEmbeddingRows(s.inputRows, s.tokens.length, D, `${who}: sequence ${i}`);
  if (s.teacher) {
    const { positions, logprobs } = s.teacher;
    if (positions.length !== logprobs.length) throw new Error(`${who}: sequence ${i} teacher has ${positions.length} positions but ${logprobs.length} distributions`);
    positions.forEach((p, j) => {
      if (!Number.isInteger(p) || p < 0 || p >= n) throw new Error(`${who}: sequence ${i} teacher position ${p} is outside the ${n} next-token positions`);
      if (logprobs[j]!.length !== V) throw new Error(`${who}: sequence ${i} teacher distribution ${j} has ${logprobs[j]!.length} entries, expected the vocabulary size ${V}`);
    });
  }
}

export function forwardBackward(model: TrainModel, adapter: LoraAdapter | null, batch: TrainSequence[], opts: ForwardBackwardOptions = {}): ForwardBackwardResult {
  const c = model.config;
  const mode = opts.mode ?? 'lora';
  const beta = opts.entropyCoef ?? 0;
  const D = c.hiddenSize;
  const V = c.vocabSize;
  batch.forEach((s, i) => checkTrainSequence(s, i, V, D));
  if (mode === 'lora' && !adapter?.enabled) throw new Error('trainer: LoRA mode needs an enabled adapter');
  const grads: Grads = { lora: new Map(), weights: new Map() };
  const wgrad = (name: string, size: number) => {
    let g = grads.weights.get(name);
    if (!g) grads.weights.set(name, (g = new Float64Array(size)));
    return g;
  };
  const embed = param(model, 'model.embed_tokens.weight');
  const lmHeadName = c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
  const lmHead = param(model, lmHeadName);
  const normW = param(model, 'model.norm.weight');
  const layers = Array.from({ length: c.numLayers }, (_, l) => new LayerRunner(model, adapter, l));
  const result: ForwardBackwardResult = { loss: 0, logprobs: [], entropies: [], grads, memory: { activationBytes: 0, activationBytesWithoutRecompute: 0, savedBytes: 0 } };
  if (batch.some((s) => s.inputRows)) result.inputGrads = [];
  if (opts.distributionsAt) result.distributions = [];
  if (batch.some((s) => s.teacher)) result.teacherKl = 0;

  for (const [si, seq] of batch.entries()) {
    const T = seq.tokens.length;
    const positions = Array.from({ length: T }, (_, i) => i);
    // Forward, keeping either every layer's cache or only its input.
    const inputs: Float64Array[] = [];
    const caches: (LayerCache | null)[] = [];
    let x = embeddingForward(embed, seq.tokens, V, D);
    if (seq.inputRows) applyEmbeddingRows(x, seq.inputRows, D);
    let allBytes = 0;
    let maxLayer = 0;
    for (const layer of layers) {
      inputs.push(x);
      const { y, cache } = layer.forward(x, T, positions);
      const b = cacheBytes(cache);
      allBytes += b;
      maxLayer = Math.max(maxLayer, b);
      caches.push(opts.recompute || mode === 'none' ? null : cache);
      x = y;
    }
    const finalIn = x;
    const nf = rmsnormForward(finalIn, normW, T, D, c.rmsNormEps);
    if (opts.returnHidden) (result.hidden ??= []).push(nf);
    // Logits row by row (never T × V at once); the head's backward is folded in per row.
    const lps = new Float64Array(T - 1);
    const ents = new Float64Array(T - 1);
    const dNf = new Float64Array(T * D);
    const z = new Float64Array(V);
    const dz = new Float64Array(V);
    const dHead = mode === 'full' ? wgrad(lmHeadName, lmHead.length) : undefined;
    const teacherAt = new Map(seq.teacher?.positions.map((p, j) => [p, seq.teacher!.logprobs[j]!]));
    const wantDist = new Set(opts.distributionsAt?.[si] ?? []);
    const dists: Float64Array[] = [];
    for (let t = 0; t < T - 1; t++) {
      const on = seq.trainable ? Boolean(seq.trainable[t]) : true;
      const q = teacherAt.get(t);
      if (opts.neededLogitsOnly && !on && !q && !wantDist.has(t)) {
        lps[t] = Number.NaN; // not computed: no loss term, no teacher, not asked for
        ents[t] = Number.NaN;
        continue;
      }
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += nf[t * D + i]! * lmHead[v * D + i]!;
        z[v] = s;
      }
      const target = seq.tokens[t + 1]!;
      const { logprob, entropy } = logprobEntropy(z, 0, V, target);
      lps[t] = logprob;
      ents[t] = entropy;
      if (wantDist.has(t)) dists.push(logSoftmax(z));
      if (!on && !q) continue;
      const g = on ? (seq.dLogprob ? seq.dLogprob[t]! : -1) : 0;
      if (on) result.loss += g * logprob - beta * entropy;
      if (q) {
        const kl = teacherKl(z, 0, V, q);
        result.loss += kl;
        result.teacherKl! += kl;
      }
      if (mode === 'none') continue;
      if (on) logprobEntropyBackward(z, 0, V, target, g, -beta, dz);
      else dz.fill(0);
      if (q) teacherKlBackward(z, 0, V, q, dz);
      for (let v = 0; v < V; v++) {
        const d = dz[v]!;
        if (d === 0) continue;
        for (let i = 0; i < D; i++) dNf[t * D + i] += d * lmHead[v * D + i]!;
        if (dHead) for (let i = 0; i < D; i++) dHead[v * D + i] += d * nf[t * D + i]!;
      }
    }
    result.logprobs.push(lps);
    result.entropies.push(ents);
    if (result.distributions) result.distributions.push(dists);
    const inputBytes = inputs.reduce((s, a) => s + a.byteLength, 0);
    const peak = opts.recompute ? inputBytes + maxLayer : allBytes;
    result.memory.activationBytes = Math.max(result.memory.activationBytes, peak);
    result.memory.activationBytesWithoutRecompute = Math.max(result.memory.activationBytesWithoutRecompute, allBytes);
    if (mode === 'none') {
      result.inputGrads?.push(null);
      continue;
    }
    if (seq.dHidden) for (let i = 0; i < seq.dHidden.length; i++) dNf[i] += seq.dHidden[i]!;

    const dwNorm = mode === 'full' ? wgrad('model.norm.weight', D) : undefined;
    let dx = rmsnormBackward(finalIn, normW, dNf, T, D, c.rmsNormEps, dwNorm).dx;
    for (let l = layers.length - 1; l >= 0; l--) {
      const cache = caches[l] ?? layers[l]!.forward(inputs[l]!, T, positions).cache;
      caches[l] = null; // free as we go
      dx = layers[l]!.backward(dx, T, positions, cache, mode, grads);
    }
    if (seq.inputRows) {
      // The replaced rows never read the embedding table: their gradient goes to the caller instead.
      const { positions } = seq.inputRows;
      const dRows = new Float64Array(positions.length * D);
      positions.forEach((p, i) => {
        dRows.set(dx.subarray(p * D, (p + 1) * D), i * D);
        dx.fill(0, p * D, (p + 1) * D);
      });
      result.inputGrads!.push(dRows);
    } else result.inputGrads?.push(null);
    if (mode === 'full') embeddingBackward(seq.tokens, dx, D, wgrad('model.embed_tokens.weight', embed.length));
  }
  result.memory.savedBytes = result.memory.activationBytesWithoutRecompute - result.memory.activationBytes;
  return result;
}

/**
 * Per-token log-probs and entropies (forward only), e.g. of the reference policy with the adapter
 * off; with `returnHidden`, also the final hidden states (after the final RMSNorm).
 */
export function sequenceLogprobs(
  model: TrainModel, adapter: LoraAdapter | null, batch: TrainSequence[], opts: Pick<ForwardBackwardOptions, 'returnHidden' | 'distributionsAt' | 'neededLogitsOnly'> = {},
): { logprobs: Float64Array[]; entropies: Float64Array[]; hidden?: Float64Array[]; distributions?: Float64Array[][] } {
  const r = forwardBackward(model, adapter, batch, { ...opts, mode: 'none' });
  return { logprobs: r.logprobs, entropies: r.entropies, ...(r.hidden ? { hidden: r.hidden } : {}), ...(r.distributions ? { distributions: r.distributions } : {}) };
}
