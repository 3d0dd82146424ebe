// Batched generation for multi-turn episodes: the G rollouts of a group run concurrently, each
// through its own view of one backend; a view's generate() waits until every still-running member
// has asked for its next turn, then all those prompts go to the backend as ONE batched call
// (members ordered by index). The batch's sampling seed is a hash of the members' own seeds, so
// the result depends only on the group's seeds, never on timing. Calls whose options differ (e.g. a
// smaller maxNewTokens near the context limit) go out as separate batches.
import type { GenerateOptions, GenerateResult, InferenceBackend } from '../../model/backend.ts';
import { fnv1a } from '../rng.ts';

interface Pending {
  member: number;
  prompt: number[];
  opts: GenerateOptions;
  resolve: (r: GenerateResult[]) => void;
  reject: (e: unknown) => void;
}

export class LockstepBatcher {
  private pending: Pending[] = [];
  private live: Set<number>;
  /** Backend calls made (for the benchmark and tests). */
  calls = 0;

  constructor(
    private readonly inner: InferenceBackend,
    members: number,
  ) {
    this.live = new Set(Array.from({ length: members }, (_, k) => k));
  }

  /** Member k's backend: generate() takes exactly one prompt. */
  view(member: number): InferenceBackend {
    return {
      config: this.inner.config,
      device: this.inner.device,
      logits: (tokens, embeddings) => this.inner.logits(tokens, embeddings),
      generate: (prompts, opts) => {
        if (prompts.length !== 1) return Promise.reject(new Error(`LockstepBatcher: a member generates one sequence at a time, got ${prompts.length}`));
        if (opts.stopStrings?.length) return this.inner.generate(prompts, opts); // decode callbacks differ per member
        if (!this.live.has(member)) return Promise.reject(new Error(`LockstepBatcher: member ${member} already finished`));
        return new Promise<GenerateResult[]>((resolve, reject) => {
          this.pending.push({ member, prompt: prompts[0]!, opts, resolve, reject });
          this.maybeFlush();
        });
      },
      dispose: () => {},
    };
  }

  /** Member k's episode is over (call it in a finally). */
  done(member: number): void {
    this.live.delete(member);
    this.maybeFlush();
  }

  private maybeFlush(): void {
    if (this.pending.length === 0 || this.pending.length < this.live.size) return;
    const batch = this.pending.sort((a, b) => a.member - b.member);
    this.pending = [];
    const groups = new Map<string, Pending[]>();
    for (const p of batch) {
      const { seed: _seed, decode: _decode, promptEmbeddings: _rows, ...rest } = p.opts;
      const key = JSON.stringify(rest);
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    void this.run([...groups.values()]);
  }

  private async run(groups: Pending[][]): Promise<void> {
    for (const g of groups) {
      const seed = fnv1a(g.map((p) => `${p.member}:${p.opts.seed ?? 0}`).join(','));
      try {
        this.calls++;
        // Each member's spliced rows (speech) travel with its own prompt.
        const rows = g.some((p) => p.opts.promptEmbeddings?.[0]) ? g.map((p) => p.opts.promptEmbeddings?.[0] ?? null) : undefined;
        const results = await this.inner.generate(g.map((p) => p.prompt), { ...g[0]!.opts, seed, promptEmbeddings: rows });
        g.forEach((p, i) => p.resolve([results[i]!]));
      } catch (e) {
        g.forEach((p) => p.reject(e));
      }
    }
  }
}
