// The LLM customer against a real HTTP server on 127.0.0.1: τ-bench's prompt and message roles,
// retries on 429/500/timeouts, and a clear failure (never a hang) when the endpoint stays down.
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIChatClient } from '../../../src/rollout/chat-client.ts';
import { AGENT_GREETING, LlmUser } from '../../../src/rollout/users/llm.ts';
import type { EpisodeContext } from '../../../src/rollout/types.ts';
import { completion, startChatServer, type Handler } from '../judge/chat-server.ts';
import { OracleAgent } from '../../../src/rollout/agents/oracle.ts';
import { loadRetailData, loadTasks, loadToolSchemas, loadWiki } from '../../../src/rollout/node-data.ts';
import { retailEnvironment, sandboxData } from '../../../src/rollout/retail-env.ts';
import { runEpisode } from '../../../src/rollout/runner.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const ctx = {
  task: { split: 'dev', index: 0, userId: 'u', instruction: 'Your name is Olivia Ito. Cancel order #W5442520.', actions: [], outputs: [] },
  systemPrompt: 'wiki',
  tools: [],
  db: { users: {}, orders: {}, products: {} },
  seed: 3,
} satisfies EpisodeContext;

async function user(handler: Handler, timeoutMs = 2000) {
  const srv = await startChatServer(handler);
  close = srv.close;
  const client = new OpenAIChatClient({ baseUrl: srv.baseUrl, model: 'user-model', apiKey: 'k-user', timeoutMs, maxRetries: 2, backoffMs: 5, maxBackoffMs: 10 });
  return { srv, client, user: new LlmUser({ completer: client }) };
}

/** The server plays the customer of dev task 0 from the conversation it is sent. */
const customer: Handler = (r) => {
  const agent = r.body.messages[r.body.messages.length - 1].content;
  if (agent === AGENT_GREETING) return { body: completion('I would like to cancel an order I no longer need.') };
  if (/zip code/.test(agent)) return { body: completion('Olivia Ito, zip code 80218.') };
  if (/proceed/.test(agent)) return { body: completion('Yes, please.') };
  return { body: completion('###STOP###') };
};

describe('LLM user simulator over HTTP', () => {
  it('drives a full episode with the oracle agent on the retail sandbox', async () => {
    const { srv, user: u } = await user(customer);
    const task = loadTasks('dev')[0];
    const t = await runEpisode({
      agent: new OracleAgent(),
      user: u,
      env: retailEnvironment(await sandboxData(), task),
      context: { task, systemPrompt: loadWiki(), tools: loadToolSchemas(), db: loadRetailData(), seed: 0 },
    });
    expect(t.end.reason).toBe('user_stop');
    expect(t.verifier?.reward).toBe(1);
    expect(t.user).toEqual({ kind: 'llm', name: 'openai:user-model' });
    expect(srv.seen.length).toBe(4);
    expect(JSON.stringify(t)).not.toContain('k-user');
  });

  it('ends the episode (reward 0, no throw) when the user endpoint fails mid-episode', async () => {
    const { user: u } = await user((r, n) => (n <= 2 ? customer(r, n) : { status: 500, body: {} }));
    const task = loadTasks('dev')[0];
    const t = await runEpisode({
      agent: new OracleAgent(),
      user: u,
      env: retailEnvironment(await sandboxData(), task),
      context: { task, systemPrompt: loadWiki(), tools: loadToolSchemas(), db: loadRetailData(), seed: 0 },
    });
    expect(t.end.reason).toBe('user_error');
    expect(t.end.detail).toMatch(/HTTP 500/);
    expect(t.verifier).toMatchObject({ reward: 0, info: { failedBy: 'user_error' } });
  });

  it("follows τ-bench's llm strategy: rules in the system prompt, greeting first, agent as 'user'", async () => {
    const lines = ['Hi, I want to cancel an order.', 'It is #W5442520.', '###STOP###'];
    const { srv, user: u } = await user((_r, n) => ({ body: completion(`  ${lines[n - 1]}\n`) }));
    expect(await u.start(ctx)).toBe(lines[0]);
    expect(await u.reply('Which order?')).toBe(lines[1]);
    expect(await u.reply('Cancelled.')).toBe('###STOP###');
    const last = srv.seen[2].body;
    expect(last.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(last.messages[0].content).toContain('Instruction: Your name is Olivia Ito. Cancel order #W5442520.');
    expect(last.messages[0].content).toContain('Just generate one line at a time');
    expect(last.messages[0].content).toContain("generate '###STOP###' as a standalone message");
    expect(last.messages[1].content).toBe(AGENT_GREETING);
    expect(last.messages[3].content).toBe('Which order?');
    expect(last.seed).toBe(3);
    expect(u.usage.promptTokens).toBe(300);
  });

  it('retries 429, 500 and a timeout', async () => {
    const { user: u, client } = await user((_r, n) =>
      n === 1 ? { status: 429, body: {} } : n === 2 ? { status: 500, body: {} } : n === 3 ? { delayMs: 300, body: completion('late') } : { body: completion('Hello.') },
      100,
    );
    // maxRetries 2: the 429 and 500 use up the retries of the first request…
    await expect(u.start(ctx)).rejects.toThrow(/timed out/);
    // …and the next request succeeds at once.
    expect(await u.start(ctx)).toBe('Hello.');
    expect(client.stats.retries).toBe(2);
    expect(client.stats.failures).toBe(1);
  });

  it('rejects a 4xx without retrying and names the status', async () => {
    const { srv, user: u } = await user(() => ({ status: 401, body: { error: 'bad key k-user' } }));
    const err = await u.start(ctx).catch((e: Error) => e);
    expect(String(err)).toMatch(/HTTP 401/);
    expect(String(err)).not.toContain('k-user');
    expect(srv.seen.length).toBe(1);
  });
});
