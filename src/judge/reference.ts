// The deterministic reference judge: aligns the agent's tool calls with the task's ground-truth
// actions. For offline runs, tests, and as a baseline for the LLM judge. Text is never read, so
// nothing the policy writes can change a score.
//
// Rules, per agent turn (each call's observation taken from the tool turn answering it):
//  R1 a successful write (DB-changing tool) equal to a not-yet-matched ground-truth action   → +1
//  R2 a successful write matching no remaining ground-truth action                            → −1
//  R3 transfer_to_human_agents: +1 when the ground truth contains it, else                    → −1
//  R4 a read equal to a not-yet-matched ground-truth action, or the first successful user
//     lookup (find_user_id_*) returning the task's user id (the wiki's authentication)        → +1
//  R5 a message to the customer directly followed (next agent turn) by a write that scores +1
//     by R1 — the consent request the wiki requires before any change                         → +1
//  R5b any failed call (error observation: nothing changed), other reads, other text          →  0
//     (a failed call equal to a ground-truth action — some fail in τ-bench too — counts as done)
//  A turn with several calls takes −1 if any call is −1, else +1 if any is +1, else 0.
//  R6 only the first −1 stands; later −1 candidates become 0 (follow-on of an earlier error).
//  R7 omission: if ground-truth writes remain unmatched at the end and no turn got −1, the last
//     agent turn that is not +1 gets −1 (the episode ended with required changes undone).
// Calls are matched against any remaining ground-truth action (order-free); kwargs compare
// exactly except item lists, which compare as multisets (old→new pairs for exchanges/modifications).
import { AUTH_TOOLS, TRANSFER_TOOL, findUnmatched, isWriteTool } from '../rollout/actions.ts';
import { agentTurns, type JudgeResult, type ToolTurn, type Trajectory, type TurnJudgement } from '../rollout/trajectory.ts';
import type { TurnJudge } from './types.ts';

type Verdict = { score: -1 | 0 | 1; why: string };

export function referenceJudgement(t: Trajectory): JudgeResult {
  const truth = t.task.actions;
  const used = truth.map(() => false);
  const observations = new Map<string, ToolTurn>();
  for (const turn of t.turns) if (turn.role === 'tool' && turn.callId) observations.set(turn.callId, turn);
  let authenticated = false;
  let deviated = false;
  const judged: TurnJudgement[] = [];
  const textOnly: boolean[] = [];
  const matchedWrite: boolean[] = [];

  for (const turn of agentTurns(t)) {
    let wroteCorrectly = false;
    const verdicts: Verdict[] = turn.toolCalls.map((call) => {
      const obs = observations.get(call.id);
      const ok = !!obs && !obs.error;
      const args = call.arguments && typeof call.arguments === 'object' && !Array.isArray(call.arguments) ? (call.arguments as Record<string, unknown>) : null;
      if (call.name === TRANSFER_TOOL) {
        const i = truth.findIndex((a, k) => !used[k] && a.name === TRANSFER_TOOL);
        if (i >= 0) {
          used[i] = true;
          return { score: 1, why: 'transfer to a human agent, as the ground truth requires' };
        }
        return { score: -1, why: 'transferred to a human agent although the task is solvable with the tools' };
      }
      if (!args) return { score: 0, why: `${call.name} had unusable arguments (no state change)` };
      const i = findUnmatched({ name: call.name, kwargs: args }, truth, used);
      if (!ok) {
        // Some ground-truth calls fail in τ-bench too (e.g. insufficient gift-card balance): making
        // that exact call counts as doing it, so it is not an omission later.
        if (i >= 0) used[i] = true;
        return { score: 0, why: i >= 0 ? `${call.name} matches ground-truth action ${i + 1}, which fails (no state change)` : `${call.name} failed (no state change)` };
      }
      if (isWriteTool(call.name)) {
        if (i >= 0) {
          used[i] = true;
          wroteCorrectly = true;
          return { score: 1, why: `${call.name} matches ground-truth action ${i + 1}` };
        }
        return { score: -1, why: `${call.name} changed the database in a way no remaining ground-truth action does` };
      }
      if (i >= 0) {
        used[i] = true;
        return { score: 1, why: `${call.name} matches ground-truth action ${i + 1}` };
      }
      if (AUTH_TOOLS.has(call.name) && !authenticated && obs!.output.trim() === t.task.userId) {
        authenticated = true;
        return { score: 1, why: 'authenticated the user' };
      }
      return { score: 0, why: `${call.name}: information gathering` };
    });
    let v: Verdict = { score: 0, why: turn.toolCalls.length ? '' : turn.parseError ? `unusable tool call (${turn.parseError})` : 'message to the user' };
    const bad = verdicts.find((x) => x.score === -1);
    const good = verdicts.find((x) => x.score === 1);
    if (bad) v = bad;
    else if (good) v = good;
    else if (verdicts.length) v = { score: 0, why: verdicts.map((x) => x.why).join('; ') };
    if (v.score === -1) {
      if (deviated) v = { score: 0, why: `${v.why} (follow-on of the earlier deviation)` };
      deviated = true;
    }
    judged.push({ agentTurn: turn.agentTurn, score: v.score, rationale: v.why });
    textOnly.push(!turn.toolCalls.length && !turn.parseError);
    matchedWrite.push(wroteCorrectly && v.score === 1);
  }
  for (let k = 0; k + 1 < judged.length; k++) {
    if (textOnly[k] && judged[k].score === 0 && matchedWrite[k + 1]) {
      judged[k] = { ...judged[k], score: 1, rationale: 'asked the customer to confirm a correct change before making it' };
    }
  }

  const missing = truth.filter((a, i) => !used[i] && isWriteTool(a.name));
  if (missing.length && !deviated) {
    for (let k = judged.length - 1; k >= 0; k--) {
      if (judged[k].score === 1) continue;
      judged[k] = { ...judged[k], score: -1, rationale: `episode ended with ${missing.length} ground-truth change(s) undone (${missing.map((a) => a.name).join(', ')})` };
      break;
    }
  }
  return { judge: 'reference', turns: judged, flagged: false };
}

export class ReferenceJudge implements TurnJudge {
  readonly name = 'reference';
  async judge(t: Trajectory): Promise<JudgeResult> {
    return referenceJudgement(t);
  }
}
