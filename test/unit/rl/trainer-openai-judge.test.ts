// `tarl train` with episode.judge = "openai": the trainer's suites get an LLM judge that talks to the
// configured OpenAI-compatible endpoint (here a scripted server on 127.0.0.1), and a failing endpoint
// yields flagged neutral scores instead of ending the run.
import { afterEach, describe, expect, it } from 'vitest';
import { loadModelFromDir } from '../../../src/model/load-node.ts';
import { resolveConfig } from '../../../src/rl/config.ts';
import { buildSuites } from '../../../src/rl/trainer/node-setup.ts';
import { buildTrajectory, CANCEL } from '../judge/build.ts';
import { startChatServer } from '../judge/chat-server.ts';
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

  it('tarl train lists the judge endpoint flags', () => {
    const r = runCli(['train', '--help']);
    expect(r.stdout).toMatch(/--judge-base-url/);
    expect(r.stdout).toMatch(/--judge-api-key-env/);
  });
});
