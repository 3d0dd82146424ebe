// Per-sequence stop conditions shared by every backend: stop tokens, stop strings, token budget.
// Usage: const s = new StopChecker(opts, config.eosTokenIds); after each new token: reason = s.push(token).
import type { FinishReason, GenerateOptions } from './backend.ts';

export class StopChecker {
  private readonly stopIds: Set<number>;
  private readonly stopStrings: string[];
  private readonly decode?: (tokens: number[]) => string;
  private readonly maxNewTokens: number;
  readonly tokens: number[] = [];
  finishReason: FinishReason | null = null;

  constructor(opts: GenerateOptions, defaultStopIds: number[]) {
    if (!Number.isInteger(opts.maxNewTokens) || opts.maxNewTokens < 0) {
      throw new Error(`maxNewTokens must be a non-negative integer (got ${opts.maxNewTokens})`);
    }
    this.maxNewTokens = opts.maxNewTokens;
    this.stopIds = new Set(opts.stopTokenIds ?? defaultStopIds);
    this.stopStrings = (opts.stopStrings ?? []).filter((s) => s.length > 0);
    if (this.stopStrings.length && !opts.decode) throw new Error('stopStrings need a decode function in GenerateOptions');
    this.decode = opts.decode;
    if (this.maxNewTokens === 0) this.finishReason = 'length';
  }

  get done(): boolean {
    return this.finishReason !== null;
  }

  /** Records a new token; returns the finish reason once the sequence is complete, else null. */
  push(token: number): FinishReason | null {
    if (this.done) throw new Error('StopChecker: sequence already finished');
    this.tokens.push(token);
    if (this.stopIds.has(token)) this.finishReason = 'stop_token';
    else if (this.stopStrings.length && this.hitStopString()) this.finishReason = 'stop_string';
    else if (this.tokens.length >= this.maxNewTokens) this.finishReason = 'length';
    return this.finishReason;
  }

  private hitStopString(): boolean {
    // Only the tail can contain a new match: decode a window long enough for the longest stop string
    // (each token adds ≥ 1 char except partial UTF-8 bytes, so a few extra tokens of slack suffice).
    const longest = Math.max(...this.stopStrings.map((s) => s.length));
    const text = this.decode!(this.tokens.slice(-(longest + 8)));
    return this.stopStrings.some((s) => text.includes(s));
  }
}
