// Pure views of stored trajectories for the Rollout inspector and the Reward tuner: file loading,
// filtering, ground-truth call alignment and the per-turn reward breakdown.
import { findUnmatched } from '../../rollout/actions.ts';
import { DEFAULT_REWARD_CONFIG, type RewardConfig } from '../../reward/config.ts';
import { episodeRewards, turnWeights } from '../../reward/shaping.ts';
import { agentTurns, judgeScores, parseTrajectory, type ToolAction, type ToolTurn, type Trajectory } from '../../rollout/trajectory.ts';

export interface LoadedTrajectory {
  /** Unique within the loaded set. */
  key: string;
  trajectory: Trajectory;
  /** Training step and GRPO group when known (stored runs, run exports). */
  step?: number;
  group?: number;
  source: string;
}

/**
 * Reads a JSON-lines file of trajectories: bare trajectories (`tarl episode` output) or
 * `{step, group, trajectory}` lines (a run export's trajectories.jsonl). Errors name the line.
 */
export function parseTrajectoryFile(text: string, source: string): LoadedTrajectory[] {
  const out: LoadedTrajectory[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${source}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: not JSON (${(e as Error).message})`);
    }
    const wrapped = v && typeof v === 'object' && 'trajectory' in v ? (v as { step?: unknown; group?: unknown; trajectory: unknown }) : undefined;
    const trajectory = parseTrajectory(JSON.stringify(wrapped ? wrapped.trajectory : v), where);
    const n = seen.get(trajectory.id) ?? 0;
    seen.set(trajectory.id, n + 1);
    out.push({
      key: n ? `${trajectory.id}#${n}` : trajectory.id,
      trajectory,
      source,
      ...(typeof wrapped?.step === 'number' ? { step: wrapped.step } : {}),
      ...(typeof wrapped?.group === 'number' ? { group: wrapped.group } : {}),
    });
  });
  if (!out.length) throw new Error(`${source}: no trajectories in the file`);
  return out;
}

export const isSuccess = (t: Trajectory) => (t.verifier?.reward ?? 0) >= 1 - 1e-6;
export const storedReward = (t: Trajectory): number | undefined => t.rewards?.result.reward;

export interface RolloutFilter {
  step?: number;
  task?: number;
  success?: boolean;
  minReward?: number;
  maxReward?: number;
}

export function filterRollouts(items: readonly LoadedTrajectory[], f: RolloutFilter): LoadedTrajectory[] {
  return items.filter(({ trajectory: t, step }) => {
    const r = storedReward(t);
    return (
      (f.step === undefined || step === f.step) &&
      (f.task === undefined || t.task.index === f.task) &&
      (f.success === undefined || isSuccess(t) === f.success) &&
      (f.minReward === undefined || (r !== undefined && r >= f.minReward)) &&
      (f.maxReward === undefined || (r !== undefined && r <= f.maxReward))
    );
  });
}

export interface AgentCallView {
  agentTurn: number;
  callId: string;
  name: string;
  arguments: unknown;
  /** The tool answered without an error. */
  ok: boolean;
  /** Index of the ground-truth action this call matched, or −1. */
  truthIndex: number;
}

export interface TruthView {
  index: number;
  action: ToolAction;
  /** The agent call that matched it, if any. */
  matchedBy?: { callId: string; agentTurn: number };
}

/**
 * Aligns the agent's calls with the ground-truth actions in the order they were made: a successful
 * call with object arguments equal (τ-bench comparison, see rollout/actions.ts) to a not-yet-matched
 * action matches it. Failed calls never match (they changed nothing).
 */
export function alignCalls(t: Trajectory): { agent: AgentCallView[]; truth: TruthView[] } {
  const truth: TruthView[] = t.task.actions.map((action, index) => ({ index, action }));
  const used = truth.map(() => false);
  const obs = new Map<string, ToolTurn>();
  for (const x of t.turns) if (x.role === 'tool' && x.callId) obs.set(x.callId, x);
  const agent: AgentCallView[] = [];
  for (const turn of agentTurns(t)) {
    for (const call of turn.toolCalls) {
      const o = obs.get(call.id);
      const ok = !!o && !o.error;
      const args = call.arguments && typeof call.arguments === 'object' && !Array.isArray(call.arguments) ? (call.arguments as Record<string, unknown>) : null;
      let truthIndex = -1;
      if (ok && args) {
        truthIndex = findUnmatched({ name: call.name, kwargs: args }, t.task.actions, used);
        if (truthIndex >= 0) {
          used[truthIndex] = true;
          truth[truthIndex].matchedBy = { callId: call.id, agentTurn: turn.agentTurn };
        }
      }
      agent.push({ agentTurn: turn.agentTurn, callId: call.id, name: call.name, arguments: call.arguments, ok, truthIndex });
    }
  }
  return { agent, truth };
}

export interface TurnBreakdownRow {
  agentTurn: number;
  score: number;
  rationale: string;
  weight: number;
  /** −deviation for the −1 turn, else 0. */
  deviationPart: number;
  /** weight · score for every other turn (1/T or the fixed weight). */
  otherPart: number;
  /** The return credited to this turn's tokens (turn mode: G_t; otherwise the episode reward). */
  credited: number;
}

export interface RewardBreakdown {
  config: RewardConfig;
  /** The config came from the trajectory's stored rewards (else the defaults were applied). */
  recorded: boolean;
  T: number;
  terminalPart: number;
  turnPart: number;
  reward: number;
  rows: TurnBreakdownRow[];
}

/** Per-turn reward parts of one trajectory under `cfg` (default: the config it was scored with). */
export function rewardBreakdown(t: Trajectory, cfg?: RewardConfig): RewardBreakdown {
  const config = cfg ?? t.rewards?.config ?? DEFAULT_REWARD_CONFIG;
  const scores = judgeScores(t);
  const w = turnWeights(scores, config);
  const ep = episodeRewards({ verifierReward: t.verifier?.reward ?? 0, turnScores: scores }, config);
  const rationale = new Map((t.judge?.turns ?? []).map((j) => [j.agentTurn, j.rationale]));
  return {
    config,
    recorded: !cfg && !!t.rewards,
    T: scores.length,
    terminalPart: ep.terminalPart,
    turnPart: ep.turnPart,
    reward: ep.reward,
    rows: scores.map((s, i) => ({
      agentTurn: i,
      score: s,
      rationale: rationale.get(i) ?? (t.judge?.flagged ? 'judge failed; neutral score' : 'not judged'),
      weight: w[i],
      deviationPart: s === -1 ? -config.deviation : 0,
      otherPart: s === -1 ? 0 : w[i] * s,
      credited: ep.turnReturns[i],
    })),
  };
}
