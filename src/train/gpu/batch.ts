// Per-sequence inputs of the GPU trainer: the CPU trainer's checks, the per-position loss
// coefficients the logprob kernel reads, and the runs of spliced rows copied into the embeddings.
import type { ModelConfig } from '../../model/config.ts';
import { checkEmbeddingRows, type EmbeddingRows } from '../../model/backend.ts';
import { checkTokenIds } from '../../kernels/embedding.ts';
import type { TrainSequence } from '../cpu/model.ts';
import { teacherRows, type TeacherRows } from './teacher.ts';

/** Throws on a malformed sequence; returns its teacher rows by position (null without a teacher). */
export function checkSequence(seq: TrainSequence, i: number, c: ModelConfig): TeacherRows | null {
  if (seq.tokens.length < 2) throw new Error(`GPU trainer: sequence ${i} needs at least 2 tokens`);
  checkTokenIds(seq.tokens, c.vocabSize);
  const n = seq.tokens.length - 1;
  if (seq.trainable && seq.trainable.length !== n) throw new Error(`GPU trainer: sequence ${i} trainable mask has ${seq.trainable.length} entries, expected ${n}`);
  if (seq.dLogprob && seq.dLogprob.length !== n) throw new Error(`GPU trainer: sequence ${i} dLogprob has ${seq.dLogprob.length} entries, expected ${n}`);
  const D = c.hiddenSize;
  if (seq.dHidden && seq.dHidden.length !== n * D && seq.dHidden.length !== (n + 1) * D) {
    throw new Error(`GPU trainer: sequence ${i} dHidden has ${seq.dHidden.length} entries, expected ${n * D} or ${(n + 1) * D}`);
  }
  if (seq.inputRows) checkEmbeddingRows(seq.inputRows, seq.tokens.length, D, `GPU trainer: sequence ${i}`);
  return teacherRows(seq, i, c.vocabSize);
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
