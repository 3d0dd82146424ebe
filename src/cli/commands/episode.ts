// `tarl episode`: runs τ-bench Retail episodes and prints the trajectories as JSON lines (judged,
// with rewards under the given coefficients); a summary (pass rate, judge +1/−1 turns) goes to stderr.
//   --split dev --tasks all|0,3,5 --agent oracle|MODEL_DIR --user scripted|openai|local
//   --judge reference|openai|local|none --trials N --seed S [--max-turns 30] [--set key=value ...]
import type { Command } from 'commander';
import { createJudge } from '../../judge/factory.ts';
import { FileJudgeCache } from '../../judge/file-cache.ts';
import type { TurnJudge } from '../../judge/types.ts';
import type { InferenceBackend } from '../../model/backend.ts';
import { createBackend } from '../../model/backend.ts';
import { directorySource, loadModelFromDir } from '../../model/load-node.ts';
import { loadTokenizer, type ModelTokenizer } from '../../model/tokenizer.ts';
import { rewardConfigFromPairs } from '../../reward/config.ts';
import { OracleAgent } from '../../rollout/agents/oracle.ts';
import { PolicyAgent } from '../../rollout/agents/policy.ts';
import { runEpisodeBatch } from '../../rollout/batch.ts';
import { OpenAIChatClient } from '../../rollout/chat-client.ts';
import { LocalChatCompleter } from '../../rollout/local-chat.ts';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki } from '../../rollout/node-data.ts';
import { retailEnvironment, sandboxData } from '../../rollout/retail-env.ts';
import { agentTurns, serializeTrajectory, type Trajectory } from '../../rollout/trajectory.ts';
import type { Agent, UserSimulator } from '../../rollout/types.ts';
import { LlmUser } from '../../rollout/users/llm.ts';
import { ScriptedUser } from '../../rollout/users/scripted.ts';
import { parseIntList } from '../options.ts';
import { deviceOption } from './model-options.ts';
import { addEndpointOptions, endpointFrom, type EndpointFlags } from './rollout-options.ts';

interface EpisodeFlags extends EndpointFlags {
  split: string;
  tasks: string;
  agent: string;
  user: string;
  judge: string;
  trials: string;
  seed: string;
  maxTurns: string;
  set: string[];
  device: 'cpu' | 'webgpu';
  temperature: string;
  maxNewTokens: string;
  concurrency: string;
  localModel?: string;
  judgeCache?: string;
  checkOutputs: boolean;
}

function int(v: string, name: string, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: "${v}" is not an integer >= ${min}`);
  return n;
}

/** Models are loaded once per directory and shared by the agent, the local user and the local judge. */
class ModelPool {
  private readonly loaded = new Map<string, Promise<{ backend: InferenceBackend; tokenizer: ModelTokenizer }>>();
  constructor(private readonly device: 'cpu' | 'webgpu') {}
  get(dir: string) {
    let p = this.loaded.get(dir);
    if (!p) {
      p = (async () => ({ backend: await createBackend(await loadModelFromDir(dir), this.device), tokenizer: await loadTokenizer(directorySource(dir)) }))();
      this.loaded.set(dir, p);
    }
    return p;
  }
  async dispose() {
    for (const p of this.loaded.values()) (await p).backend.dispose();
  }
}

export function summarize(ts: Trajectory[]) {
  const agentTurnCount = ts.reduce((a, t) => a + agentTurns(t).length, 0);
  const count = (s: number) => ts.reduce((a, t) => a + (t.judge?.turns.filter((j) => j.score === s).length ?? 0), 0);
  return {
    episodes: ts.length,
    passRate: ts.length ? ts.filter((t) => (t.verifier?.reward ?? 0) === 1).length / ts.length : 0,
    agentTurns: agentTurnCount,
    plusOneTurns: count(1),
    minusOneTurns: count(-1),
    flaggedJudgements: ts.filter((t) => t.judge?.flagged).length,
    ends: ts.reduce<Record<string, number>>((a, t) => ({ ...a, [t.end.reason]: (a[t.end.reason] ?? 0) + 1 }), {}),
  };
}

export function register(program: Command): void {
  const cmd = program
    .command('episode')
    .description('run τ-bench Retail episodes; print trajectories as JSON lines (summary on stderr)')
    .option('--split <split>', 'train | dev | test', 'dev')
    .option('--tasks <list>', 'task indices (e.g. 0,3,5) or "all"', 'all')
    .option('--agent <agent>', '"oracle" or a model directory (the policy)', 'oracle')
    .option('--user <kind>', 'scripted | openai | local', 'scripted')
    .option('--judge <kind>', 'reference | openai | local | none', 'reference')
    .option('--trials <n>', 'episodes per task', '1')
    .option('--seed <n>', 'seed of trial 0 (trial k uses seed + k)', '0')
    .option('--max-turns <n>', 'agent turns per episode at most', '30')
    .option('--set <pairs...>', 'reward config entries key=value (terminal, deviation, turnWeight, mode, ...)', [])
    .addOption(deviceOption())
    .option('--temperature <t>', 'policy sampling temperature', '1')
    .option('--max-new-tokens <n>', 'policy tokens per turn at most', '512')
    .option('--concurrency <n>', 'episodes in flight', '1')
    .option('--local-model <dir>', 'model directory for --user local / --judge local (default: the agent model)')
    .option('--judge-cache <file>', 'persist judge results (JSON lines)')
    .option('--no-check-outputs', "skip τ-bench's required-outputs check (TARL: DB check only)");
  addEndpointOptions(addEndpointOptions(cmd, 'judge'), 'user').action(async (o: EpisodeFlags) => {
    const all = loadTasks(o.split);
    const tasks = o.tasks === 'all' ? all : parseIntList(o.tasks, '--tasks').map((i) => all.find((t) => t.index === i) ?? (() => { throw new Error(`--tasks: no task ${i} in split ${o.split}`); })());
    const reward = rewardConfigFromPairs(o.set);
    const pool = new ModelPool(o.device);
    const agentDir = o.agent === 'oracle' ? undefined : o.agent;
    const localDir = o.localModel ?? agentDir;
    const needLocal = (what: string) => {
      if (!localDir) throw new Error(`--${what} local needs --local-model DIR (or a model as --agent)`);
      return pool.get(localDir);
    };
    const temperature = Number(o.temperature);
    if (!Number.isFinite(temperature) || temperature < 0) throw new Error(`--temperature: "${o.temperature}" is not a non-negative number`);
    const policy = agentDir ? await pool.get(agentDir) : undefined;
    const makeAgent = (): Agent =>
      policy ? new PolicyAgent(policy.backend, policy.tokenizer, { maxNewTokens: int(o.maxNewTokens, '--max-new-tokens', 1), temperature }, agentDir) : new OracleAgent();

    let makeUser: () => UserSimulator;
    if (o.user === 'scripted') makeUser = () => new ScriptedUser();
    else if (o.user === 'openai') {
      const client = new OpenAIChatClient(endpointFrom(o, 'user'));
      makeUser = () => new LlmUser({ completer: client });
    } else if (o.user === 'local') {
      const m = await needLocal('user');
      const completer = new LocalChatCompleter(m.backend, m.tokenizer, localDir!);
      makeUser = () => new LlmUser({ completer, temperature: 0 });
    } else throw new Error(`--user: "${o.user}" is not scripted, openai or local`);

    const cache = o.judgeCache ? new FileJudgeCache(o.judgeCache) : undefined;
    let judge: TurnJudge | undefined;
    if (o.judge === 'reference') judge = createJudge({ kind: 'reference' });
    else if (o.judge === 'openai') judge = createJudge({ kind: 'openai', cache, ...endpointFrom(o, 'judge') });
    else if (o.judge === 'local') {
      const m = await needLocal('judge');
      judge = createJudge({ kind: 'local', backend: m.backend, tokenizer: m.tokenizer, model: localDir!, cache });
    } else if (o.judge !== 'none') throw new Error(`--judge: "${o.judge}" is not reference, openai, local or none`);

    const sandbox = await sandboxData();
    try {
      const out = await runEpisodeBatch({
        tasks,
        trials: int(o.trials, '--trials', 1),
        seed: int(o.seed, '--seed'),
        systemPrompt: loadWiki(),
        tools: loadToolSchemas(),
        db: loadRetailData(),
        makeAgent,
        makeUser,
        makeEnv: (task) => retailEnvironment(sandbox, task, { checkOutputs: o.checkOutputs }),
        judge,
        reward,
        maxTurns: int(o.maxTurns, '--max-turns', 1),
        concurrency: int(o.concurrency, '--concurrency', 1),
        onEpisode: (t, done, total) => {
          process.stderr.write(`episode ${done}/${total}: task ${t.task.split}#${t.task.index} seed ${t.seed} reward ${t.verifier?.reward} (${t.end.reason})\n`);
        },
      });
      // Printed once all are done: rewards need the whole group of each task.
      for (const t of out) process.stdout.write(serializeTrajectory(t) + '\n');
      process.stderr.write(JSON.stringify(summarize(out)) + '\n');
    } finally {
      await pool.dispose();
    }
  });
}
