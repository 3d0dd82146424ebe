// Records a training run into the RunStore as it happens: the trainer (worker or Node) hands it
// its metric events, each step's scored trajectories and its checkpoints. Run status follows the
// run events, so a page closed mid-run leaves a "running" run that the studio marks interrupted.
import type { MetricEvent } from '../rl/metrics.ts';
import type { Trajectory } from '../rollout/trajectory.ts';
import { flattenMetricEvent } from './metric-rows.ts';
import type { RunStore } from './run-store.ts';
import type { CheckpointRecord, RunStatus } from './types.ts';

const STATUS_OF: Partial<Record<MetricEvent['type'], RunStatus>> = { start: 'running', resume: 'running', end: 'finished', stop: 'stopped' };

export class RunRecorder {
  constructor(
    private readonly store: RunStore,
    readonly runId: string,
  ) {}

  /** Starts recording a new run (status "created" until its start event). */
  static async create(store: RunStore, name: string, config: unknown): Promise<RunRecorder> {
    const run = await store.createRun({ name, config });
    return new RunRecorder(store, run.id);
  }

  async onEvent(e: MetricEvent): Promise<void> {
    const flat = flattenMetricEvent(e);
    if (flat) await this.store.appendMetrics(this.runId, flat.step, flat.values, { merge: true });
    const status = STATUS_OF[e.type];
    if (status) await this.store.setStatus(this.runId, status);
  }

  /** One step's rollouts, as GRPO groups (group i = the rollouts of one task). */
  async onTrajectories(step: number, groups: readonly (readonly Trajectory[])[]): Promise<void> {
    await this.store.putTrajectories(this.runId, step, groups.flatMap((g, group) => g.map((trajectory) => ({ trajectory, group }))));
  }

  async onCheckpoint(step: number, files: { name: string; bytes: Uint8Array }[], meta?: unknown): Promise<CheckpointRecord> {
    return this.store.putCheckpoint(this.runId, step, files, meta);
  }

  async onFailure(message: string): Promise<void> {
    await this.store.setStatus(this.runId, 'failed', message);
  }
}
