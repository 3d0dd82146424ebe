// Teacher targets (distillation) for the GPU trainer: the CPU trainer's checks and semantics
// (../cpu/model.ts: KL(q ‖ p) at next-token positions, independent of trainable/dLogprob), and the
// per-LM-head-block upload the logprob kernel reads (only the block's teacher rows, so a block's
// q fits one binding as its logits do).
import type { KernelRunner } from '../../gpu/runner.ts';
import { teacherRowsF32, type LogprobTeacher } from '../../kernels/logprob.ts';
import type { TrainSequence } from '../cpu/model.ts';

/** next-token position → teacher log-probabilities (a repeated position: the last one, as on the CPU). */
export type TeacherRows = Map<number, ArrayLike<number>>;

/** Checks `seq.teacher` as the CPU trainer does; its rows by position, or null without one. */
export function teacherRows(seq: TrainSequence, i: number, V: number): TeacherRows | null {
  if (!seq.teacher) return null;
  const n = seq.tokens.length - 1;
  const { positions, logprobs } = seq.teacher;
  if (positions.length !== logprobs.length) throw new Error(`GPU trainer: sequence ${i} teacher has ${positions.length} positions but ${logprobs.length} distributions`);
  positions.forEach((p, j) => {
    if (!Number.isInteger(p) || p < 0 || p >= n) throw new Error(`GPU trainer: sequence ${i} teacher position ${p} is outside the ${n} next-token positions`);
    if (logprobs[j]!.length !== V) throw new Error(`GPU trainer: sequence ${i} teacher distribution ${j} has ${logprobs[j]!.length} entries, expected the vocabulary size ${V}`);
  });
  return new Map(positions.map((p, j) => [p, logprobs[j]!]));
}

/**
 * The kernel's teacher inputs for LM-head rows [r0, r0 + rows), or null when none of them has a
 * teacher. The buffers are new: the caller destroys them after the submit.
 */
export async function teacherBlock(runner: KernelRunner, rowsOf: TeacherRows, r0: number, rows: number, V: number): Promise<LogprobTeacher | null> {
  const index = new Int32Array(rows).fill(-1);
  const qs: ArrayLike<number>[] = [];
  for (let r = 0; r < rows; r++) {
    const q = rowsOf.get(r0 + r);
    if (q) index[r] = qs.push(q) - 1;
  }
  if (!qs.length) return null;
  return {
    logprobs: await runner.upload('train.teacher.q', teacherRowsF32(qs, V)),
    index: await runner.upload('train.teacher.index', index),
    kl: await runner.createBuffer('train.teacher.kl', rows * 4),
  };
}
