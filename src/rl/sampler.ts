// Chooses each step's tasks: retail tasks from the training split, without replacement within an
// epoch (a fresh shuffle per epoch), and math problems at the scheduled ratio. Everything comes from
// seeded RNG streams whose state is serializable, so a resumed run draws exactly the batches an
// uninterrupted one would. Separate streams for retail order, math and speech mean that changing the
// math ratio or the speech share never reshuffles the retail order.
import type { Difficulty, Flavor } from './math/generator.ts';
import { fnv1a, Rng, type RngState } from './rng.ts';

export type SampledTask =
  | { kind: 'retail'; taskId: string; epoch: number; speech: boolean }
  /** Build the problem with generateProblem(seed, difficulty, flavor). */
  | { kind: 'math'; seed: number; difficulty: Difficulty; flavor: Flavor | 'any' };

export interface SamplerOptions {
  retailTaskIds: readonly string[];
  mathDifficulties: readonly Difficulty[];
  mathFlavor: Flavor | 'any';
}

export interface SamplerState {
  version: 1;
  retail: RngState;
  math: RngState;
  speech: RngState;
  epoch: number;
  order: number[]; // this epoch's permutation of task indices
  cursor: number; // next position in `order`
  taskFingerprint: string; // guards against restoring with a different task list
}

function fingerprint(ids: readonly string[]): string {
  return `${ids.length}:${fnv1a(ids.join('\n')).toString(16)}`;
}

function checkShare(name: string, x: number): void {
  if (!(x >= 0 && x <= 1)) throw new Error(`TaskSampler.next: ${name} must be in [0, 1], got ${x}`);
}

export class TaskSampler {
  private constructor(
    private readonly options: SamplerOptions,
    private readonly retail: Rng,
    private readonly math: Rng,
    private readonly speech: Rng,
    private epoch: number,
    private order: number[],
    private cursor: number,
  ) {}

  static create(seed: number, options: SamplerOptions): TaskSampler {
    TaskSampler.checkOptions(options);
    const root = Rng.fromSeed(seed);
    return new TaskSampler(options, root.fork('retail'), root.fork('math'), root.fork('speech'), -1, [], 0);
  }

  static restore(state: SamplerState, options: SamplerOptions): TaskSampler {
    TaskSampler.checkOptions(options);
    if (state?.version !== 1) throw new Error(`TaskSampler.restore: unsupported state version ${JSON.stringify(state?.version)}`);
    const expected = fingerprint(options.retailTaskIds);
    if (state.taskFingerprint !== expected) {
      throw new Error(`TaskSampler.restore: the checkpoint was sampled from a different retail task list (${state.taskFingerprint}, now ${expected})`);
    }
    const n = options.retailTaskIds.length;
    const valid = state.order.length === (state.epoch < 0 ? 0 : n) && state.cursor >= 0 && state.cursor <= state.order.length &&
      new Set(state.order).size === state.order.length && state.order.every((i) => Number.isInteger(i) && i >= 0 && i < n);
    if (!valid) throw new Error('TaskSampler.restore: corrupt state (order/cursor do not match the task list)');
    return new TaskSampler(
      options,
      Rng.fromState(state.retail),
      Rng.fromState(state.math),
      Rng.fromState(state.speech),
      state.epoch,
      [...state.order],
      state.cursor,
    );
  }

  private static checkOptions(o: SamplerOptions): void {
    if (new Set(o.retailTaskIds).size !== o.retailTaskIds.length) throw new Error('TaskSampler: retail task ids are not unique');
    if (o.mathDifficulties.length === 0) throw new Error('TaskSampler: mathDifficulties is empty');
  }

  /** Plain-JSON state; TaskSampler.restore(state, sameOptions) continues with the same draws. */
  state(): SamplerState {
    return {
      version: 1,
      retail: this.retail.state(),
      math: this.math.state(),
      speech: this.speech.state(),
      epoch: this.epoch,
      order: [...this.order],
      cursor: this.cursor,
      taskFingerprint: fingerprint(this.options.retailTaskIds),
    };
  }

  /** Retail epochs started so far (0 during the first). */
  get currentEpoch(): number {
    return Math.max(this.epoch, 0);
  }

  /**
   * The next `count` tasks. The number of math problems is count·mathRatio with stochastic rounding
   * (so small batches still get math at the right long-run rate); retail tasks carry speech = true
   * with probability speechShare. Math problems sit at random positions among the retail tasks.
   */
  next(count: number, mathRatio: number, speechShare = 0): SampledTask[] {
    if (!Number.isInteger(count) || count < 1) throw new Error(`TaskSampler.next: count must be a positive integer, got ${count}`);
    checkShare('mathRatio', mathRatio);
    checkShare('speechShare', speechShare);
    const exact = count * mathRatio;
    let nMath = Math.floor(exact);
    if (this.math.float() < exact - nMath) nMath++;
    const nRetail = count - nMath;
    if (nRetail > 0 && this.options.retailTaskIds.length === 0) {
      throw new Error(`TaskSampler.next: ${nRetail} retail tasks needed but the retail task list is empty (math ratio ${mathRatio})`);
    }
    const tasks: SampledTask[] = [];
    for (let i = 0; i < nRetail; i++) {
      if (this.cursor >= this.order.length) this.newEpoch();
      const taskId = this.options.retailTaskIds[this.order[this.cursor++]!]!;
      tasks.push({ kind: 'retail', taskId, epoch: this.epoch, speech: speechShare > 0 && this.speech.float() < speechShare });
    }
    // Math problems go to random positions; retail tasks keep their draw order.
    for (let i = 0; i < nMath; i++) {
      const at = this.math.int(0, tasks.length);
      tasks.splice(at, 0, {
        kind: 'math',
        seed: this.math.nextU32(),
        difficulty: this.math.pick(this.options.mathDifficulties),
        flavor: this.options.mathFlavor,
      });
    }
    return tasks;
  }

  private newEpoch(): void {
    this.epoch++;
    this.order = this.retail.shuffle(Array.from({ length: this.options.retailTaskIds.length }, (_, i) => i));
    this.cursor = 0;
  }
}
