// `tarl rewards`: TARL reward shaping from the terminal.
//   --file FILE (trajectory JSON lines): one JSON line per trajectory with its per-turn table and,
//     with --tokens, the per-token rewards and advantages (advantage groups = trajectories of a task);
//   --scores 1,0,-1,1 --verifier 1: one hand case, one JSON line.
// Coefficients: --set key=value ... (terminal, deviation, turnWeight, gamma, mode, advantage, stdEpsilon).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { rewardConfigFromPairs } from '../../reward/config.ts';
import { groupRewards, tokenRewards } from '../../reward/shaping.ts';
import { scoreTrajectories, turnTable } from '../../reward/trajectories.ts';
import { parseTrajectoryLines } from '../../rollout/trajectory.ts';
import { parseIntList } from '../options.ts';

function parseScores(text: string): number[] {
  return text.split(',').map((s, i) => {
    const v = Number(s.trim());
    if (v !== -1 && v !== 0 && v !== 1) throw new Error(`--scores: entry ${i + 1} ("${s.trim()}") is not -1, 0 or 1`);
    return v;
  });
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

export function register(program: Command): void {
  program
    .command('rewards')
    .description('print per-turn and per-token TARL rewards for given coefficients (JSON lines)')
    .option('--file <jsonl>', 'trajectories (JSON lines, e.g. from `tarl episode`)')
    .option('--scores <list>', 'judge scores of the agent turns, e.g. 1,0,-1,1 (instead of --file)')
    .option('--verifier <r>', 'verifier reward for --scores', '0')
    .option('--set <pairs...>', 'reward config entries key=value', [])
    .option('--turn-tokens <list>', 'with --scores: tokens per agent turn (e.g. 3,2,4), to print per-token rewards')
    .option('--tokens', 'with --file: also print per-token rewards and advantages')
    .action((opts: { file?: string; scores?: string; verifier: string; set: string[]; tokens?: boolean; turnTokens?: string }) => {
      const cfg = rewardConfigFromPairs(opts.set);
      if (!opts.file === !opts.scores) throw new Error('give either --file or --scores');
      if (opts.scores) {
        const verifierReward = Number(opts.verifier);
        if (!Number.isFinite(verifierReward)) throw new Error(`--verifier: "${opts.verifier}" is not a number`);
        const scores = parseScores(opts.scores);
        const [e] = groupRewards([{ verifierReward, turnScores: scores }], cfg);
        const line: Record<string, unknown> = { config: cfg, reward: round(e.reward), terminalPart: e.terminalPart, turnPart: round(e.turnPart), turnRewards: e.turnRewards.map(round), turnReturns: e.turnReturns.map(round) };
        if (opts.turnTokens) {
          const counts = parseIntList(opts.turnTokens, '--turn-tokens');
          if (counts.length !== scores.length) throw new Error(`--turn-tokens: ${counts.length} counts for ${scores.length} agent turns`);
          const turnOf = counts.flatMap((n, t) => new Array<number>(n).fill(t));
          // A lone episode has no group: its advantage is 0 under GRPO; rewards are what matter here.
          line.tokenRewards = [...tokenRewards(turnOf, turnOf.map(() => 1), e, cfg).rewards].map(round);
        }
        process.stdout.write(JSON.stringify(line) + '\n');
        return;
      }
      const trajectories = parseTrajectoryLines(readFileSync(opts.file!, 'utf8'), opts.file);
      for (const s of scoreTrajectories(trajectories, cfg)) {
        const line: Record<string, unknown> = {
          id: s.trajectory.id,
          task: `${s.trajectory.task.split}#${s.trajectory.task.index}`,
          verifier: s.trajectory.verifier?.reward ?? null,
          reward: round(s.rewards.reward),
          terminalPart: s.rewards.terminalPart,
          turnPart: round(s.rewards.turnPart),
          turns: turnTable(s).map((t) => ({ ...t, reward: round(t.reward), credited: round(t.credited), advantage: round(t.advantage), text: t.text.slice(0, 120) })),
        };
        if (opts.tokens) {
          const t = s.tokens ?? (s.trajectory.tokens ? tokenRewards(s.trajectory.tokens.turn, s.trajectory.tokens.trainable, s.rewards, cfg) : undefined);
          line.tokens = t ? { rewards: [...t.rewards].map(round), advantages: [...t.advantages].map(round) } : null;
        }
        process.stdout.write(JSON.stringify(line) + '\n');
      }
    });
}
