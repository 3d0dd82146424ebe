// Records the studio keeps per training run. Plain JSON-able objects (bytes as Uint8Array) so the
// same shapes go to IndexedDB, to export files and back.
import type { Trajectory } from '../rollout/trajectory.ts';

export const PERSIST_VERSION = 1 as const;

export type RunStatus = 'created' | 'running' | 'paused' | 'stopped' | 'finished' | 'failed' | 'interrupted';
export const RUN_STATUSES: readonly RunStatus[] = ['created', 'running', 'paused', 'stopped', 'finished', 'failed', 'interrupted'];

export interface RunRecord {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  status: RunStatus;
  /** The trainer's config object as it was started (opaque here: the trainer validates it). */
  config: unknown;
  /** Highest step with stored metrics, −1 before the first. */
  lastStep: number;
  /** Step of the newest checkpoint, if any (resume starts there). */
  lastCheckpointStep?: number;
  error?: string;
}

/** One step's metrics: named finite numbers (the trainer decides the names; charts pick them). */
export interface MetricRow {
  runId: string;
  step: number;
  values: Record<string, number>;
}

/** A stored rollout. Indexed by step, task, reward and success (success is 0/1: IDB keys cannot be booleans). */
export interface TrajectoryRow {
  runId: string;
  id: string;
  step: number;
  /** GRPO group (rollouts of the same task in this step share it). */
  group: number;
  taskIndex: number;
  /** Scalar reward under the run's reward config at the time (absent when not scored). */
  reward?: number;
  success: 0 | 1;
  trajectory: Trajectory;
}

export type BlobLocation = 'idb' | 'opfs';

export interface CheckpointFile {
  name: string;
  size: number;
  location: BlobLocation;
}

export interface CheckpointRecord {
  runId: string;
  step: number;
  createdAt: string;
  files: CheckpointFile[];
  /** Small JSON state stored with the checkpoint (RNG state, optimizer step, ...). */
  meta?: unknown;
}

export interface TrajectoryQuery {
  step?: number;
  taskIndex?: number;
  success?: boolean;
  minReward?: number;
  maxReward?: number;
}
