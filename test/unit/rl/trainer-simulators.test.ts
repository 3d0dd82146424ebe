// The user simulators and judges a training run can ask for (src/rl/trainer/simulators.ts, used by
// `tarl train`/`ablate`/`eval` and the studio's trainer worker): "openai" talks to the configured
// OpenAI-compatible endpoint (here a scripted server on 127.0.0.1) and a failing judge endpoint
// yields flagged neutral scores instead of ending the run; "local" runs the base model, built once
// and shared by the user and the judge.
import { afterEach, describe, expect, it } from 'vitest';
import { createBackend } from '../../../src/model/backend.ts';
import { directorySource, loadModelFromDir } from '../../../src/model/load-node.ts';
import { loadTokenizer } from '../../../src/model/tokenizer.ts';
import { resolveConfig } from '../../../src/rl/config.ts';
import { buildSuites } from '../../../src/rl/trainer/node-setup.ts';
import { buildSimulators } from '../../../src/rl/trainer/simulators.ts';
import { loadRetailData, loadTasks } from '../../../src/rollout/node-data.ts';
import type { EpisodeContext } from '../../../src/rollout/types.ts';
import { buildTrajectory, CANCEL } from '../judge/build.ts';
import { completion, startChatServer } from '../judge/chat-server.ts';
import { runCli } from '../../helpers/cli.ts';

const MODEL = 'public/models/tarl-qwen3-small';
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('trainer with an OpenAI-compatible judge', () => {
  const config = resolveConfig({ model: { dir: MODEL }, episode: { maxTurns: 30, user: 'scripted', judge: 'openai' } });

  it('asks for the endpoint flags when none is given', async () => {
    const weights = await loadModelFromDir(MODEL);
    await expect(buildSuites(config, weights, 'retail', 'cpu')).rejects.toThrow(/--judge-base-url and --judge-model/);
  });

  it('judges through the endpoint, and a failing endpoint gives flagged neutral scores', async () => {
    const srv = await startChatServer(() => ({ status: 500, body: { error: { message: 'down' } } }));
    servers.push(srv);
    const weights = await loadModelFromDir(MODEL);
    const suites = await buildSuites(config, weights, 'retail', 'cpu', {
      judge: () => ({ baseUrl: srv.baseUrl, model: 'judge-m', apiKey: 'sk-test', maxRetries: 1, backoffMs: 1, timeoutMs: 5_000 }),
    });
    const t = buildTrajectory([CANCEL], [{ say: 'Which order?' }, { customer: '#W5442520' }]);
    const result = await suites.judge!.judge(t);
    expect(srv.seen.length).toBeGreaterThan(0);
    expect(srv.seen[0]!.body.model).toBe('judge-m');
    expect(srv.seen[0]!.headers.authorization).toBe('Bearer sk-test');
    expect(result.flagged).toBe(true);
    expect(result.turns.every((x) => x.score === 0)).toBe(true);
  });

  it('tarl train, ablate and eval list the endpoint flags', () => {
    for (const cmd of ['train', 'ablate']) {
      const r = runCli([cmd, '--help']);
      expect(r.stdout).toMatch(/--judge-base-url/);
      expect(r.stdout).toMatch(/--judge-api-key-env/);
      expect(r.stdout).toMatch(/--user-base-url/);
    }
    expect(runCli(['eval', '--help']).stdout).toMatch(/--user <kind>.*\n?.*scripted, openai[\s\S]*--user-base-url/);
  });
});

const task = loadTasks('dev')[0]!;
const ctx = (seed: number): EpisodeContext => ({ task, systemPrompt: 'wiki', tools: [], db: loadRetailData(), seed });

describe('user simulators for training', () => {
  it('"openai": the customer speaks through the endpoint, seeded per episode; no endpoint is a clear error', async () => {
    const weights = await loadModelFromDir(MODEL);
    const noEndpoint = resolveConfig({ model: { dir: MODEL }, episode: { maxTurns: 30, user: 'openai', judge: 'reference' } });
    await expect(buildSuites(noEndpoint, weights, 'retail', 'cpu')).rejects.toThrow(/--user-base-url and --user-model/);

    const srv = await startChatServer((req) => ({ body: completion(`I want to cancel an order (seed ${req.body.seed}).`) }));
    servers.push(srv);
    const sims = await buildSimulators({ maxTurns: 30, user: 'openai', judge: 'reference' }, { userEndpoint: () => ({ baseUrl: srv.baseUrl, model: 'user-m' }) });
    const user = sims.makeUser(task, 7);
    expect(await user.start(ctx(7))).toBe('I want to cancel an order (seed 7).');
    expect(srv.seen[0]!.body.model).toBe('user-m');
    expect(srv.seen[0]!.body.messages[0]!.content).toContain(task.instruction);
    expect(await user.reply('Which order?')).toBe('I want to cancel an order (seed 7).');
    expect(srv.seen[1]!.body.messages.at(-1)!.content).toBe('Which order?');
    expect(sims.judge.name).toBe('reference');
  });

  it('"local": the base model plays the customer and judges, built once for both', async () => {
    const weights = await loadModelFromDir(MODEL);
    const tokenizer = await loadTokenizer(directorySource(MODEL));
    let built = 0;
    const sims = await buildSimulators({ maxTurns: 30, user: 'local', judge: 'local' }, {
      localModel: async () => {
        built++;
        return { backend: await createBackend(weights, 'cpu'), tokenizer, name: 'base' };
      },
      userMaxTokens: 12,
    });
    expect(built).toBe(1);
    const user = sims.makeUser(task, 1);
    expect(user.name).toBe('local:base');
    const opening = await user.start(ctx(1));
    expect(typeof opening).toBe('string');
    // greedy (temperature 0): the same customer again says the same thing
    expect(await sims.makeUser(task, 1).start(ctx(1))).toBe(opening);
    expect(sims.judge.name).toBe('local:base');
    sims.dispose();
  });
});
