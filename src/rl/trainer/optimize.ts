// The training half of a step: recompute log-probs with the training forward (adapters on: the
// "old" policy; adapters off: the reference), turn them into per-token dJ/dlogp with
// src/rl/objectives.ts, back-propagate into the LoRA tensors (src/train CPU float64 trainer) and
// apply AdamW. At the first inner step the policy is unchanged since sampling, so logp == logpOld
// exactly and the ratio is 1; that identity is checked and reported (ratioCheck).
import type { AdamWHyper } from '../../reference/adamw.ts';
import { policyObjective, toLossInterface, type ObjectiveOptions, type PolicySequence } from '../objectives.ts';
import type { TrainEngine } from './engine.ts';
import type { TrainItem } from './sequences.ts';

export interface Recomputed {
  logpOld: Float64Array[];
  logpRef: Float64Array[];
  entropy: Float64Array[];
}

/** Log-probs and entropies of every item under the current policy and under the reference (adapters off). */
export async function recompute(engine: TrainEngine, items: readonly TrainItem[]): Promise<Recomputed> {
  const batch = items.map((it) => ({ tokens: it.tokens, trainable: it.mask }));
  const cur = await engine.logprobs(batch, true);
  const ref = await engine.logprobs(batch, false);
  return { logpOld: cur.logprobs, logpRef: ref.logprobs, entropy: cur.entropies };
}

export interface OptimizeOptions {
  objective: ObjectiveOptions;
  innerSteps: number;
  miniBatches: number;
  /** AdamW hyper-parameters with this step's learning rate. */
  hyper: AdamWHyper;
  maxGradNorm: number | null;
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
    updates: 0, skipped: null, firstRatio: { mean: 1, min: 1, max: 1 }, ratioCheck: 0,
  };
  let first = true;
  let clipSum = 0, lossSum = 0, normSum = 0;
  for (let inner = 0; inner < o.innerSteps; inner++) {
    for (const mb of chunks(order, Math.min(o.miniBatches, Math.max(1, order.length)))) {
      // logp under the current parameters: on the very first update nothing has changed since the
      // recomputation, so logpOld is reused; afterwards a fresh forward gives it.
      const logp = first ? mb.map((i) => re.logpOld[i]!) : (await engine.logprobs(mb.map((i) => ({ tokens: items[i]!.tokens, trainable: items[i]!.mask })), true)).logprobs;
      const seqs: PolicySequence[] = mb.map((i, j) => ({
        logp: logp[j]!,
        logpOld: re.logpOld[i]!,
        logpRef: re.logpRef[i]!,
        advantages: items[i]!.advantages,
        mask: items[i]!.mask,
        entropy: re.entropy[i]!,
      }));
      const obj = policyObjective(seqs, o.objective);
      const loss = -obj.objective;
      const perSeq = toLossInterface(obj);
      const fb = await engine.forwardBackward(
        mb.map((i, j) => ({ tokens: items[i]!.tokens, trainable: items[i]!.mask, dLogprob: perSeq[j]!.dLogprob })),
        perSeq.map((p) => p.entropyCoef),
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
      clipSum += obj.clipFraction;
      lossSum += loss;
      normSum += report.gradNorm;
    }
  }
  stats.loss = lossSum / stats.updates;
  stats.clipFraction = clipSum / stats.updates;
  stats.gradNorm = normSum / stats.updates;
  return stats;
}
