// The training half of a step: recompute log-probs with the training forward (adapters on: the
// "old" policy; adapters off: the reference), turn them into per-token dJ/dlogp with
// src/rl/objectives.ts, back-propagate into the LoRA tensors (src/train CPU float64 trainer) and
// apply AdamW. At the first inner step the policy is unchanged since sampling, so logp == logpOld
// exactly and the ratio is 1; that identity is checked and reported (ratioCheck).
// PPO adds the value head: its loss (clipped, src/rl/advantages.ts valueLoss) is computed from the
// hidden states of the same forward, and its gradient reaches the adapters as dHidden.
import type { AdamWHyper } from '../../reference/adamw.ts';
import { valueLoss } from '../advantages.ts';
import { policyObjective, toLossInterface, type ObjectiveOptions, type PolicySequence } from '../objectives.ts';
import type { TrainEngine } from './engine.ts';
import type { ValueTargets } from './ppo.ts';
import { itemSequence, type TrainItem } from './sequences.ts';
import type { ValueHead } from './value-head.ts';

export interface Recomputed {
  logpOld: Float64Array[];
  logpRef: Float64Array[];
  entropy: Float64Array[];
  /** Final hidden states under the current policy (when asked for: PPO). */
  hidden?: Float64Array[];
}

/** Log-probs and entropies of every item under the current policy and under the reference (adapters off). */
export async function recompute(engine: TrainEngine, items: readonly TrainItem[], opts: { hidden?: boolean } = {}): Promise<Recomputed> {
  const batch = items.map(itemSequence);
  const cur = await engine.logprobs(batch, true, { hidden: opts.hidden ?? false });
  const ref = await engine.logprobs(batch, false);
  if (opts.hidden && !cur.hidden) throw new Error(`the ${engine.kind} training engine returned no hidden states`);
  return { logpOld: cur.logprobs, logpRef: ref.logprobs, entropy: cur.entropies, ...(cur.hidden ? { hidden: cur.hidden } : {}) };
}

/** PPO's value head and its targets (one per item). */
export interface ValueTraining {
  head: ValueHead;
  coef: number;
  clip: number | null;
  targets: readonly ValueTargets[];
}

export interface ValueStats {
  /** Mean value loss over updates (½·(V − return)², clipped). */
  loss: number;
  clipFraction: number;
  /** Mean value at sampling over the trained positions. */
  mean: number;
}

function concat(parts: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p as ArrayLike<number>, o), (o += p.length));
  return out;
}

/**
 * The value loss of a minibatch (one mean over all its trained positions, unweighted) and its
 * backward: dL/dh per item and dL/dw, dL/db, both already scaled by the value coefficient.
 */
export function valueTerm(v: ValueTraining, mb: readonly number[], items: readonly TrainItem[], hidden: readonly Float64Array[]) {
  const lens = mb.map((i) => items[i]!.mask.length);
  const values = mb.map((i, j) => v.head.values(hidden[j]!, lens[j]!));
  const tg = mb.map((i) => v.targets[i]!);
  const r = valueLoss(concat(values), concat(tg.map((x) => x.oldValues)), concat(tg.map((x) => x.returns)), concat(tg.map((x) => x.mask)), v.clip);
  const grads = new Map<string, Float64Array>();
  let off = 0;
  const dHidden = mb.map((_, j) => {
    const d = r.dValues.subarray(off, off + lens[j]!).map((x) => x * v.coef);
    off += lens[j]!;
    return v.head.backward(hidden[j]!, d, grads);
  });
  return { loss: r.loss, clipFraction: r.clipFraction, dHidden, grads };
}

export interface OptimizeOptions {
  objective: ObjectiveOptions;
  innerSteps: number;
  miniBatches: number;
  /** AdamW hyper-parameters with this step's learning rate. */
  hyper: AdamWHyper;
  maxGradNorm: number | null;
  /** PPO: train the value head with the adapters (needs Recomputed.hidden). */
  value?: ValueTraining;
}

export interface OptimizeStats {
  loss: number;
  clipFraction: number;
  gradNorm: number;
  klPerToken: number;
  entropy: number;
  updates: number;
  /** Set when an update was skipped for a non-finite loss or gradient (nothing was changed). */
  skipped: string | null;
  /** Ratio statistics of the first update (exactly 1 on-policy). */
  firstRatio: { mean: number; min: number; max: number };
  /** max |logp − logpOld| over trainable tokens in the first update's own forward (0 expected). */
  ratioCheck: number;
  /** PPO only. */
  value: ValueStats | null;
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const size = Math.ceil(xs.length / n);
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

export async function optimize(engine: TrainEngine, items: readonly TrainItem[], re: Recomputed, o: OptimizeOptions): Promise<OptimizeStats> {
  const order = items.map((_, i) => i);
  const stats: OptimizeStats = {
    loss: Number.NaN, clipFraction: 0, gradNorm: Number.NaN, klPerToken: Number.NaN, entropy: Number.NaN,
    updates: 0, skipped: null, firstRatio: { mean: 1, min: 1, max: 1 }, ratioCheck: 0, value: null,
  };
  const v = o.value;
  if (v && !re.hidden) throw new Error('optimize: PPO needs the hidden states of the recomputation');
  let vLossSum = 0, vClipSum = 0;
  let first = true;
  let clipSum = 0, lossSum = 0, normSum = 0;
  for (let inner = 0; inner < o.innerSteps; inner++) {
    for (const mb of chunks(order, Math.min(o.miniBatches, Math.max(1, order.length)))) {
      // logp under the current parameters: on the very first update nothing has changed since the
      // recomputation, so logpOld is reused; afterwards a fresh forward gives it.
      let logp: Float64Array[];
      let hidden: Float64Array[] | undefined;
      if (first) {
        logp = mb.map((i) => re.logpOld[i]!);
        hidden = v ? mb.map((i) => re.hidden![i]!) : undefined;
      } else {
        const cur = await engine.logprobs(mb.map((i) => itemSequence(items[i]!)), true, { hidden: v !== undefined });
        logp = cur.logprobs;
        hidden = cur.hidden;
        if (v && !hidden) throw new Error(`the ${engine.kind} training engine returned no hidden states`);
      }
      const seqs: PolicySequence[] = mb.map((i, j) => ({
        logp: logp[j]!,
        logpOld: re.logpOld[i]!,
        logpRef: re.logpRef[i]!,
        advantages: items[i]!.advantages,
        mask: items[i]!.mask,
        entropy: re.entropy[i]!,
      }));
      const obj = policyObjective(seqs, o.objective);
      const vt = v ? valueTerm(v, mb, items, hidden!) : null;
      const loss = -obj.objective + (vt ? v!.coef * vt.loss : 0);
      const perSeq = toLossInterface(obj);
      const fb = await engine.forwardBackward(
        mb.map((i, j) => ({ ...itemSequence(items[i]!), dLogprob: perSeq[j]!.dLogprob, ...(vt ? { dHidden: vt.dHidden[j]! } : {}) })),
        perSeq.map((p) => p.entropyCoef),
        vt?.grads,
      );
      if (first) {
        mb.forEach((i, j) => {
          const lp = fb.logprobs[j]!;
          const mask = items[i]!.mask;
          for (let t = 0; t < lp.length; t++) if (mask[t]) stats.ratioCheck = Math.max(stats.ratioCheck, Math.abs(lp[t]! - logp[j]![t]!));
        });
      }
      if (first) {
        stats.firstRatio = obj.ratio;
        stats.klPerToken = obj.klPerToken;
        stats.entropy = obj.entropyPerToken;
      }
      first = false;
      const report = await engine.step(o.hyper, o.maxGradNorm, Number.isFinite(fb.loss) ? loss : Number.NaN);
      if (!report.applied) {
        stats.skipped = `${report.skipped} (loss ${loss}, gradient norm ${report.gradNorm})`;
        stats.loss = loss;
        stats.gradNorm = report.gradNorm;
        return stats;
      }
      stats.updates++;
      if (vt) (vLossSum += vt.loss), (vClipSum += vt.clipFraction);
      clipSum += obj.clipFraction;
      lossSum += loss;
      normSum += report.gradNorm;
    }
  }
  stats.loss = lossSum / stats.updates;
  stats.clipFraction = clipSum / stats.updates;
  stats.gradNorm = normSum / stats.updates;
  if (v) {
    let sum = 0, count = 0;
    for (const t of v.targets) for (let k = 0; k < t.mask.length; k++) if (t.mask[k]) (sum += t.oldValues[k]!), count++;
    stats.value = { loss: vLossSum / stats.updates, clipFraction: vClipSum / stats.updates, mean: count > 0 ? sum / count : Number.NaN };
  }
  return stats;
}
