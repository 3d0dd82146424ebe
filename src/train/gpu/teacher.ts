// Teacher targets (distillation) for the GPU trainer, with the CPU trainer's semantics (../cpu/model.ts:
// KL(q ‖ p) at next-token positions, independent of trainable/dLogprob): the
// per-LM-head-block upload the logprob kernel reads (only the block's teacher rows, so a block's
// q fits one binding as its logits do).
import type { KernelRunner } from '../../gpu/runner.ts';
import { teacherRowsF32, type LogprobTeacher } from '../../kernels/logprob.ts';

/** next-token position → teacher log-probabilities (a repeated position: the last one, as on the CPU). */
export type TeacherRows = Map<number, ArrayLike<number>>;

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
