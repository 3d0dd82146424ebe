// Dispatch wrapper for shaders/logprob.wgsl: per-row log-prob of the target and entropy, and
// (writeGrad) the row's d loss / d logits written over the logits; optionally teacher targets
// (distillation): per-row KL(q ‖ p) out, and p − q joining the gradient.
import type { KernelRunner } from '../gpu/runner.ts';
import { checkDims, grid2d } from './dispatch.ts';

export interface LogprobTeacher {
  /** teacher rows × V log-probabilities (f32; ≤ −1e30 counts as log 0) */
  logprobs: GPUBuffer;
  /** rows i32: the row's teacher row, or −1 for none */
  index: GPUBuffer;
  /** rows f32: KL(q ‖ p) per row, 0 where index is −1 */
  kl: GPUBuffer;
}

export interface LogprobArgs {
  logits: GPUBuffer; // rows × V (overwritten by the gradient when writeGrad)
  targets: GPUBuffer; // rows u32
  coef: GPUBuffer; // rows × (gl, ge) f32
  out: GPUBuffer; // rows × (logprob, entropy) f32
  rows: number;
  V: number;
  writeGrad: boolean;
  teacher?: LogprobTeacher;
}

/** What the shader may not infer: log 0 as a finite f32 (WGSL assumes no infinities). */
export const TEACHER_LOG_ZERO = -1e30;

/** A teacher's log-probabilities as the kernel reads them: f32, −∞ (and anything below) → TEACHER_LOG_ZERO. */
export function teacherRowsF32(rows: readonly ArrayLike<number>[], V: number): Float32Array {
  const out = new Float32Array(rows.length * V);
  rows.forEach((q, j) => {
    for (let i = 0; i < V; i++) out[j * V + i] = q[i]! > TEACHER_LOG_ZERO ? q[i]! : TEACHER_LOG_ZERO;
  });
  return out;
}

// Bindings 5–7 exist in every dispatch; without a teacher they get these (never read or written).
const unusedTeacher = new WeakMap<GPUDevice, Promise<LogprobTeacher>>();

function noTeacher(runner: KernelRunner): Promise<LogprobTeacher> {
  let t = unusedTeacher.get(runner.device);
  if (!t) {
    t = (async () => {
      const read = await runner.createBuffer('logprob.no_teacher', 16);
      return { logprobs: read, index: read, kl: await runner.createBuffer('logprob.no_teacher.kl', 16) };
    })();
    unusedTeacher.set(runner.device, t);
  }
  return t;
}

export async function logprob(runner: KernelRunner, a: LogprobArgs, encoder?: GPUCommandEncoder): Promise<void> {
  checkDims('logprob', { rows: a.rows, V: a.V });
  const pipeline = await runner.pipeline('logprob');
  const t = a.teacher ?? (await noTeacher(runner));
  const params = runner.sharedUniform('logprob.params', [['u32', a.rows], ['u32', a.V], ['u32', a.writeGrad ? 1 : 0], ['u32', a.teacher ? 1 : 0]]);
  runner.dispatch(pipeline, [params, a.logits, a.targets, a.coef, a.out, t.logprobs, t.index, t.kl], grid2d(runner, a.rows, 'logprob'), encoder);
}
