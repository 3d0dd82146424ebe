// Lockstep batched generation for a group of policy episodes (GRPO's G rollouts of a task): every
// live episode submits its next prompt, and once all of them wait, one batched `generate` call
// serves them all. The batch is ordered by member id and its seed comes from (seed, round), so a
// group is deterministic when all members join before the first flush (`joinMany`). Members must
// `leave()` when their episode ends, or the others wait forever.
import type { GenerateOptions, GenerateResult, InferenceBackend } from '../../model/backend.ts';
import { Rng } from '../../rl/rng.ts';

/** What PolicyAgent calls to sample one completion. */
export type PolicyGenerate = (prompt: number[], opts: GenerateOptions) => Promise<GenerateResult>;

interface Pending {
  member: number;
  prompt: number[];
  opts: GenerateOptions;
  resolve: (r: GenerateResult) => void;
  reject: (e: unknown) => void;
}

export interface BatchMember {
  readonly id: number;
  generate: PolicyGenerate;
  leave(): void;
}

export class LockstepBatcher {
  private readonly live = new Set<number>();
  private pending: Pending[] = [];
  private nextId = 0;
  private round = 0;
  /** Sizes of the batches issued so far (for metrics and tests). */
  readonly batchSizes: number[] = [];

  constructor(
    private readonly backend: InferenceBackend,
    private readonly seed: number,
  ) {}

  join(): BatchMember {
    const id = this.nextId++;
    this.live.add(id);
    return {
      id,
      generate: (prompt, opts) =>
        new Promise<GenerateResult>((resolve, reject) => {
          if (!this.live.has(id)) return reject(new Error(`batch member ${id} has left`));
          if (this.pending.some((p) => p.member === id)) return reject(new Error(`batch member ${id} already waits for a completion`));
          this.pending.push({ member: id, prompt, opts, resolve, reject });
          this.maybeFlush();
        }),
      leave: () => {
        this.live.delete(id);
        this.maybeFlush();
      },
    };
  }

  joinMany(n: number): BatchMember[] {
    return Array.from({ length: n }, () => this.join());
  }

  private maybeFlush(): void {
    if (this.pending.length === 0 || this.pending.length < this.live.size) return;
    const batch = this.pending.sort((a, b) => a.member - b.member);
    this.pending = [];
    const seed = Rng.fromSeed(this.seed).fork(`round-${this.round++}`).nextU32();
    // Shared sampling settings; each member's token budget is respected by the smallest one.
    const rows = batch.some((p) => p.opts.promptEmbeddings?.[0]) ? batch.map((p) => p.opts.promptEmbeddings?.[0] ?? null) : undefined;
    const opts: GenerateOptions = { ...batch[0].opts, seed, maxNewTokens: Math.min(...batch.map((p) => p.opts.maxNewTokens)), promptEmbeddings: rows };
    this.batchSizes.push(batch.length);
    this.backend.generate(batch.map((p) => p.prompt), opts).then(
      (results) => batch.forEach((p, i) => p.resolve(results[i])),
      (e) => batch.forEach((p) => p.reject(e)),
    );
  }
}
