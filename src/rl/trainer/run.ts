// The outer loop shared by `tarl train` and the studio worker: steps until config.steps, an
// evaluation every eval.every steps, a checkpoint every checkpoint.every steps and at the end, and
// the run events (start/resume/end/stop). Checkpoints go to a callback (Node: a folder; studio:
// the RunStore), never after a skipped step, so the last checkpoint is always a good one.
import { serializeCheckpoint, type CheckpointFile } from './checkpoint.ts';
import { NonFiniteStop, type RlTrainer, type StepOutcome } from './trainer.ts';

export interface RunControl {
  /** Checked between steps: true stops the run (after a final checkpoint). */
  shouldStop?: () => boolean;
  /** Awaited between steps (the studio's pause). */
  waitWhilePaused?: () => Promise<void>;
  saveCheckpoint?: (step: number, files: CheckpointFile[]) => Promise<string> | string;
  onStep?: (o: StepOutcome) => void;
  /** Stop after this many steps in this call (tests; default: until config.steps). */
  maxSteps?: number;
}

export type RunResult = { status: 'finished' | 'stopped' | 'non-finite'; message?: string; nextStep: number };

export async function runTraining(trainer: RlTrainer, control: RunControl = {}): Promise<RunResult> {
  const c = trainer.config;
  const now = () => new Date().toISOString();
  trainer.emit({ type: trainer.nextStep > 0 ? 'resume' : 'start', step: trainer.nextStep, time: now() });
  let lastSaved = -1;
  const save = async (step: number) => {
    if (!control.saveCheckpoint || lastSaved === trainer.nextStep) return;
    lastSaved = trainer.nextStep;
    const dir = await control.saveCheckpoint(step, serializeCheckpoint(await trainer.snapshot()));
    trainer.emit({ type: 'checkpoint', step, time: now(), dir });
  };
  let done = 0;
  while (trainer.nextStep < c.steps && (control.maxSteps === undefined || done < control.maxSteps)) {
    if (control.shouldStop?.()) {
      if (trainer.nextStep > 0) await save(trainer.nextStep - 1);
      trainer.emit({ type: 'stop', step: trainer.nextStep, time: now(), message: 'stopped by the user' });
      return { status: 'stopped', message: 'stopped by the user', nextStep: trainer.nextStep };
    }
    await control.waitWhilePaused?.();
    let outcome: StepOutcome;
    try {
      outcome = await trainer.step();
    } catch (e) {
      if (e instanceof NonFiniteStop) return { status: 'non-finite', message: e.message, nextStep: trainer.nextStep };
      throw e;
    }
    done++;
    control.onStep?.(outcome);
    const s = outcome.event.step;
    const completed = trainer.nextStep;
    if (c.eval.every > 0 && completed % c.eval.every === 0) await trainer.evaluate(s);
    const skipped = outcome.train?.skipped;
    if (!skipped && ((c.checkpoint.every > 0 && completed % c.checkpoint.every === 0) || completed === c.steps)) await save(s);
  }
  if (trainer.nextStep >= c.steps) {
    trainer.emit({ type: 'end', step: trainer.nextStep, time: now() });
    return { status: 'finished', nextStep: trainer.nextStep };
  }
  return { status: 'stopped', message: `paused after ${done} steps (maxSteps)`, nextStep: trainer.nextStep };
}
