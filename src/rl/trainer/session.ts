// A training run under remote control (the studio's TrainerControls, src/studio/trainer-link.ts):
// start / pause / resume / stop, and reward-config edits that take effect from the next step (they
// are applied between steps, never in the middle of one). Browser-safe; the trainer worker wraps it.
import type { RewardConfig } from '../../reward/config.ts';
import type { CheckpointFile } from './checkpoint.ts';
import { runTraining, type RunResult } from './run.ts';
import type { RlTrainer } from './trainer.ts';

export type SessionState = 'idle' | 'running' | 'paused' | 'stopped';

export interface SessionHooks {
  onState?: (state: SessionState, detail?: string) => void;
  saveCheckpoint?: (step: number, files: CheckpointFile[]) => Promise<string> | string;
}

export class TrainerSession {
  state: SessionState = 'idle';
  private stopRequested = false;
  private paused = false;
  private wake: (() => void) | null = null;
  private pendingReward: RewardConfig | null = null;
  private done: Promise<RunResult> | null = null;

  constructor(
    readonly trainer: RlTrainer,
    private readonly hooks: SessionHooks = {},
  ) {}

  private setState(s: SessionState, detail?: string): void {
    this.state = s;
    this.hooks.onState?.(s, detail);
  }

  /** Starts the loop in the background; `finished` resolves when it ends. */
  start(): void {
    if (this.done) throw new Error('this training session was already started');
    this.setState('running');
    this.done = runTraining(this.trainer, {
      shouldStop: () => this.stopRequested,
      waitWhilePaused: () => this.betweenSteps(),
      saveCheckpoint: this.hooks.saveCheckpoint,
    }).then(
      (r) => {
        this.setState('stopped', r.message);
        return r;
      },
      (e: unknown) => {
        this.setState('stopped', (e as Error).message);
        throw e;
      },
    );
  }

  get finished(): Promise<RunResult> {
    if (!this.done) throw new Error('the training session has not started');
    return this.done;
  }

  private async betweenSteps(): Promise<void> {
    while (this.paused && !this.stopRequested) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    if (this.pendingReward) {
      this.trainer.setRewardConfig(this.pendingReward);
      this.pendingReward = null;
    }
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.paused = true;
    this.setState('paused');
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.paused = false;
    this.setState('running');
    this.wake?.();
  }

  /** Stops after the current step (with a checkpoint). */
  async stop(): Promise<RunResult | null> {
    this.stopRequested = true;
    this.paused = false;
    this.wake?.();
    return this.done;
  }

  /** Used from the next step on. */
  applyRewardConfig(cfg: RewardConfig): void {
    this.pendingReward = { ...cfg };
  }
}
