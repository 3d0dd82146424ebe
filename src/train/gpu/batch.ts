// Per-sequence inputs of the GPU trainer: the CPU trainer's checks (one checkTrainSequence), the per-position loss
// coefficients the logprob kernel reads, and the runs of spliced rows copied into the embeddings.
import type { ModelConfig } from '../../model/config.ts';
import type { EmbeddingRows } from '../../model/backend.ts';
import { checkTrainSequence, type TrainSequence } from '../cpu/model.ts';
import type { TeacherRows } from './teacher.ts';

/** Throws on a malformed sequence (the CPU trainer's checks); returns its teacher rows by position (null without a teacher). */
export function checkSequence(seq: TrainSequence, i: number, c: ModelConfig): TeacherRows | null {
  checkTrainSequence(seq, i, c.vocabSize, c.hiddenSize, 'GPU trainer');
  return seq.teacher ? new Map(seq.teacher.positions.map((p, j) => [p, seq.teacher!.logprobs[j]!])) : null;
}

/** (∂L/∂logprob, ∂L/∂entropy) per next-token position; 0 where not trainable. */
export function lossCoefficients(seq: TrainSequence, beta: number): Float32Array {
  const n = seq.tokens.length - 1;
  const coef = new Float32Array(2 * n);
  for (let t = 0; t < n; t++) {
    const on = seq.trainable ? Boolean(seq.trainable[t]) : true;
    coef[2 * t] = on ? (seq.dLogprob ? seq.dLogprob[t]! : -1) : 0;
    coef[2 * t + 1] = on ? -beta : 0;
  }
  return coef;
}

/** Runs of consecutive positions of `rows`: [index into rows, first position, length]. */
export function rowRuns(rows: EmbeddingRows): [number, number, number][] {
  const runs: [number, number, number][] = [];
  const p = rows.positions;
  for (let i = 0; i < p.length; ) {
    let j = i + 1;
    while (j < p.length && p[j] === p[i]! + (j - i)) j++;
    runs.push([i, p[i]!, j - i]);
    i = j;
  }
  return runs;
}
