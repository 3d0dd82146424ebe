// Hand-written τ-bench Retail trajectories for the studio tests (the episode runner of issue 6 does
// not exist yet). Tasks and ground-truth calls come from the dev-split replay fixture; the judge
// scores come from the real reference judge and the rewards from the real reward functions, so only
// the dialogues themselves are scripted here.
import { readFileSync } from 'node:fs';
import { referenceJudgement } from '../../../src/judge/reference.ts';
import { DEFAULT_REWARD_CONFIG, type RewardConfig } from '../../../src/reward/config.ts';
import { groupRewards } from '../../../src/reward/shaping.ts';
import { TRAJECTORY_VERSION, judgeScores, type EpisodeTask, type Trajectory, type Turn } from '../../../src/rollout/trajectory.ts';

interface ReplayTask {
  task_index: number;
  user_id: string;
  outputs: string[];
  calls: { name: string; kwargs: Record<string, unknown>; output: string }[];
}

const replay = JSON.parse(readFileSync(new URL('../../fixtures/tau-bench-retail/replay_dev.json', import.meta.url), 'utf8')) as { tasks: ReplayTask[] };

const INSTRUCTIONS: Record<number, string> = {
  0: 'You are Olivia Ito (zip 80218). You want to cancel your pending order because you no longer need it.',
  3: 'You are Isabella Brown. You want to return an item from your delivered order, refunded to your PayPal account.',
};

export type Variant = 'success' | 'wrong-write' | 'omission' | 'error-then-success';

function task(index: number): EpisodeTask {
  const r = replay.tasks.find((t) => t.task_index === index);
  if (!r) throw new Error(`fixture: dev task ${index} is not in the replay file`);
  return { split: 'dev', index, userId: r.user_id, instruction: INSTRUCTIONS[index] ?? `dev task ${index}`, actions: r.calls.map((c) => ({ name: c.name, kwargs: c.kwargs })), outputs: r.outputs };
}

function wrongKwargs(name: string, kwargs: Record<string, unknown>): Record<string, unknown> {
  if (name === 'cancel_pending_order') return { ...kwargs, reason: 'ordered by mistake' };
  return { ...kwargs, payment_method_id: 'credit_card_0000000' };
}

/** One scripted episode: greeting, authentication, order lookup, proposal, the write (per variant), close. */
export function scriptedTrajectory(taskIndex: number, variant: Variant, seed: number): Trajectory {
  const t = task(taskIndex);
  const r = replay.tasks.find((x) => x.task_index === taskIndex)!;
  const write = r.calls[0];
  const orderId = String(write.kwargs.order_id);
  const turns: Turn[] = [{ role: 'system', text: '# Retail agent policy\nAuthenticate the user, get explicit confirmation before any write.' }];
  let agentTurn = 0;
  const say = (text: string, calls: { name: string; args: Record<string, unknown>; output: string; error?: boolean }[] = []) => {
    const n = agentTurn++;
    const toolCalls = calls.map((c, k) => ({ id: `call_${n}_${k}`, name: c.name, arguments: c.args }));
    turns.push({ role: 'assistant', agentTurn: n, text, toolCalls });
    calls.forEach((c, k) => turns.push({ role: 'tool', callId: `call_${n}_${k}`, name: c.name, output: c.output, error: !!c.error }));
  };
  const user = (text: string) => turns.push({ role: 'user', text });

  user(`Hi, I need help with my order ${orderId}.`);
  say('Sure — could you tell me your name and zip code so I can find your account?');
  user(`I'm ${t.userId.split('_').slice(0, 2).join(' ')}, zip 80218.`);
  say('', [{ name: 'find_user_id_by_name_zip', args: { first_name: t.userId.split('_')[0], last_name: t.userId.split('_')[1], zip: '80218' }, output: t.userId }]);
  if (variant === 'error-then-success') {
    say('', [{ name: 'get_order_details', args: { order_id: '#W0000000' }, output: 'Error: order not found', error: true }]);
  }
  say('', [{ name: 'get_order_details', args: { order_id: orderId }, output: JSON.stringify({ order_id: orderId, user_id: t.userId, status: write.name === 'cancel_pending_order' ? 'pending' : 'delivered' }) }]);
  say(`I can do ${write.name.replace(/_/g, ' ')} on ${orderId} with ${JSON.stringify(write.kwargs)}. Shall I proceed (yes/no)?`);
  if (variant === 'omission') {
    user('Actually let me think about it. ###STOP###');
  } else {
    user('Yes, please.');
    const args = variant === 'wrong-write' ? wrongKwargs(write.name, write.kwargs) : write.kwargs;
    say('', [{ name: write.name, args, output: write.output }]);
    say('Done — anything else?');
    user('No, thanks. ###STOP###');
  }
  const success = variant === 'success' || variant === 'error-then-success';
  const traj: Trajectory = {
    version: TRAJECTORY_VERSION,
    id: `dev${taskIndex}-${variant}-s${seed}`,
    task: t,
    agent: { kind: 'oracle', name: 'scripted-fixture' },
    user: { kind: 'scripted', name: 'scripted-fixture' },
    seed,
    maxTurns: 30,
    turns,
    end: { reason: 'user_stop' },
    verifier: { reward: success ? 1 : 0, info: { dbMatch: success } },
  };
  traj.judge = referenceJudgement(traj);
  return traj;
}

/** Scores a GRPO group with the real reward functions and stores the result on each trajectory. */
export function scoreGroup(group: Trajectory[], cfg: RewardConfig = DEFAULT_REWARD_CONFIG): Trajectory[] {
  const res = groupRewards(group.map((t) => ({ verifierReward: t.verifier?.reward ?? 0, turnScores: judgeScores(t) })), cfg);
  return group.map((t, i) => ({ ...t, rewards: { config: { ...cfg }, result: res[i] } }));
}

/** Two GRPO groups (dev tasks 0 and 3), four rollouts each, scored with the TARL defaults. */
export function fixtureGroups(): Trajectory[][] {
  const variants: Variant[] = ['success', 'wrong-write', 'omission', 'error-then-success'];
  return [0, 3].map((task) => scoreGroup(variants.map((v, i) => scriptedTrajectory(task, v, 100 + i))));
}

/** The same trajectories as JSON lines, `{step, group, trajectory}` per line (the run export form) or bare. */
export function fixtureJsonl(form: 'bare' | 'with-step' = 'bare'): string {
  return (
    fixtureGroups()
      .flatMap((g, group) => g.map((trajectory) => JSON.stringify(form === 'bare' ? trajectory : { step: 0, group, trajectory })))
      .join('\n') + '\n'
  );
}
