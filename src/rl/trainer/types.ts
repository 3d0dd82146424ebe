// What the RL trainer needs from the world, behind small interfaces so the same loop trains on the
// τ-bench retail sandbox, on math problems, and on the toy tool-call episode of the learning test.
import type { GenerateOptions, InferenceBackend } from '../../model/backend.ts';
import type { Trajectory } from '../../rollout/trajectory.ts';
import type { TaskKind } from '../metrics.ts';
import type { SampledTask } from '../sampler.ts';

/** How to sample the policy for one group of rollouts. */
export interface PolicyRun {
  backend: InferenceBackend;
  temperature: number; // 0 = greedy
  topP: number;
  maxNewTokens: number;
  /** Seed of this group: rollout k derives its sampling seed from seed and k. */
  seed: number;
}

/** Generation options for the G samples of one prompt under the run's sampling settings. */
export function groupGenerateOptions(policy: PolicyRun, stopTokenIds: number[]): GenerateOptions {
  return {
    maxNewTokens: policy.maxNewTokens,
    temperature: policy.temperature,
    greedy: policy.temperature === 0,
    topP: policy.topP,
    seed: policy.seed,
    stopTokenIds,
  };
}

/**
 * A family of episodes. `runGroup` returns G finished, verified trajectories of one task (each with
 * its token record: ids, sampling log-probs, trainable mask); judging and rewards come after.
 */
export interface EpisodeSuite {
  readonly kind: TaskKind;
  readonly name: string;
  /** Task ids of a split (training tasks for the sampler, held-out tasks for evaluation). */
  taskIds(split: string): string[];
  runGroup(task: SampledTask, split: string, groupSize: number, policy: PolicyRun): Promise<Trajectory[]>;
  /** Whether the turn judge should score this suite's trajectories (math: no). */
  readonly judged: boolean;
  /** Whether runGroup honours task.speech (every customer turn heard as audio). */
  readonly speech?: boolean;
}
