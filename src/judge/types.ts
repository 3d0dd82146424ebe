// The turn-level judge interface every backend (reference rules, OpenAI-compatible LLM, local
// model) implements: a finished trajectory in, one score per agent turn out.
import type { JudgeResult, Trajectory } from '../rollout/trajectory.ts';

export type { JudgeResult, TurnJudgement } from '../rollout/trajectory.ts';

export interface TurnJudge {
  readonly name: string;
  /** Never rejects for a judge-side failure: returns a flagged neutral result instead. */
  judge(trajectory: Trajectory): Promise<JudgeResult>;
}

/** A neutral (all-zero) result flagged as failed, so the run goes on. */
export function flaggedNeutral(judge: string, agentTurnCount: number, error: string): JudgeResult {
  return {
    judge,
    flagged: true,
    error,
    turns: Array.from({ length: agentTurnCount }, (_, t) => ({ agentTurn: t, score: 0 as const, rationale: 'judge failed; neutral score' })),
  };
}

/** Keeps only the first −1 (later ones become 0, "follow-on of an earlier error"). */
export function enforceSingleDeviation<T extends { score: -1 | 0 | 1; rationale: string }>(turns: T[]): { turns: T[]; repaired: boolean } {
  let seen = false;
  let repaired = false;
  const out = turns.map((t) => {
    if (t.score !== -1) return t;
    if (!seen) {
      seen = true;
      return t;
    }
    repaired = true;
    return { ...t, score: 0 as const, rationale: `${t.rationale} [second -1 turned into 0: at most one major deviation]` };
  });
  return { turns: out, repaired };
}

/** Scores many trajectories with at most `concurrency` judge calls in flight. */
export async function judgeAll(judge: TurnJudge, trajectories: Trajectory[], concurrency = 4): Promise<JudgeResult[]> {
  const out = new Array<JudgeResult>(trajectories.length);
  let next = 0;
  const worker = async () => {
    while (next < trajectories.length) {
      const i = next++;
      out[i] = await judge.judge(trajectories[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, trajectories.length)) }, worker));
  return out;
}
