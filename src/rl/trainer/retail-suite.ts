// τ-bench retail episodes for the trainer: the policy agent over the current backend, a user
// simulator, one sandbox environment per episode. The G episodes of a group run together and their
// policy turns are batched into one generate call per round (lockstep.ts).
import type { ModelTokenizer } from '../../model/tokenizer.ts';
import { PolicyAgent } from '../../rollout/agents/policy.ts';
import { runEpisode } from '../../rollout/runner.ts';
import type { RetailData } from '../../rollout/retail-view.ts';
import type { EpisodeTask, Trajectory } from '../../rollout/trajectory.ts';
import type { EpisodeEnvironment, UserSimulator } from '../../rollout/types.ts';
import type { SampledTask } from '../sampler.ts';
import type { HeardTurn, HearRequest } from '../../speech/hearing.ts';
import type { AudioMarkers } from '../../speech/markers.ts';
import type { AudioProjector } from '../../speech/projector.ts';
import { LockstepBatcher } from './lockstep.ts';
import type { EpisodeSuite, PolicyRun } from './types.ts';

export interface RetailSuiteOptions {
  tokenizer: ModelTokenizer;
  /** Tasks of a split (τ-bench retail files). */
  loadTasks: (split: string) => EpisodeTask[];
  systemPrompt: string;
  tools: unknown[];
  db: RetailData;
  makeEnv: (task: EpisodeTask) => EpisodeEnvironment;
  makeUser: (task: EpisodeTask, seed: number) => UserSimulator;
  maxTurns: number;
  enableThinking?: boolean;
  /** Without batching: episodes in flight at once (default 1). */
  concurrency?: number;
  /** Run the group's episodes together, their policy turns batched into one generate call (default true). */
  batched?: boolean;
  /** Speech episodes (task.speech): every customer turn is heard through this, projected and spliced. */
  speech?: { hearing: { hear(r: HearRequest): Promise<HeardTurn> }; projector: AudioProjector; markers: AudioMarkers };
}

/** Retail task ids are "<split>#<index>". */
export const retailTaskId = (t: EpisodeTask) => `${t.split}#${t.index}`;

export class RetailSuite implements EpisodeSuite {
  readonly kind = 'retail' as const;
  readonly name = 'retail';
  readonly judged = true;
  private readonly splits = new Map<string, Map<string, EpisodeTask>>();

  constructor(private readonly o: RetailSuiteOptions) {}

  get speech(): boolean {
    return this.o.speech !== undefined;
  }

  private tasks(split: string): Map<string, EpisodeTask> {
    let m = this.splits.get(split);
    if (!m) {
      m = new Map(this.o.loadTasks(split).map((t) => [retailTaskId(t), t]));
      this.splits.set(split, m);
    }
    return m;
  }

  taskIds(split: string): string[] {
    return [...this.tasks(split).keys()];
  }

  async runGroup(task: SampledTask, split: string, groupSize: number, policy: PolicyRun): Promise<Trajectory[]> {
    if (task.kind !== 'retail') throw new Error(`RetailSuite: got a ${task.kind} task`);
    const episodeTask = this.tasks(split).get(task.taskId) ?? this.tasks(task.taskId.split('#')[0]!).get(task.taskId);
    if (!episodeTask) throw new Error(`RetailSuite: no task ${task.taskId} in split ${split}`);
    const out = new Array<Trajectory>(groupSize);
    const batcher = this.o.batched === false ? null : new LockstepBatcher(policy.backend, groupSize);
    const episode = async (k: number) => {
      const seed = policy.seed + k;
      const sp = this.o.speech;
      if (task.speech && !sp) throw new Error('RetailSuite: a speech episode was sampled but the suite has no hearing (speech options)');
      const hearing = task.speech && sp
        ? { markers: sp.markers, projector: sp.projector, hear: (turn: number, text: string) => sp.hearing.hear({ text, taskId: task.taskId, turn, rollout: k }) }
        : undefined;
      const agent = new PolicyAgent(batcher ? batcher.view(k) : policy.backend, this.o.tokenizer, {
        maxNewTokens: policy.maxNewTokens,
        temperature: policy.temperature,
        topP: policy.topP,
        enableThinking: this.o.enableThinking,
      }, 'policy', undefined, hearing);
      try {
        out[k] = await runEpisode({
          agent,
          user: this.o.makeUser(episodeTask, seed),
          env: this.o.makeEnv(episodeTask),
          context: { task: episodeTask, systemPrompt: this.o.systemPrompt, tools: this.o.tools, db: this.o.db, seed },
          maxTurns: this.o.maxTurns,
        });
      } finally {
        batcher?.done(k);
      }
    };
    if (batcher) {
      await Promise.all(Array.from({ length: groupSize }, (_, k) => episode(k)));
      return out;
    }
    let next = 0;
    const worker = async () => {
      while (next < groupSize) await episode(next++);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.o.concurrency ?? 1, groupSize)) }, worker));
    return out;
  }
}
