// The project's own OpenAI-compatible endpoint (`tarl serve`) on 127.0.0.1 over a tiny CPU model:
// the response shape, token accounting against our own template rendering, tool schemas and
// tool-call history accepted, bad requests answered 400, and the LLM user and judge as clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceBackend } from '../../../src/model/backend.ts';
import type { ModelTokenizer } from '../../../src/model/tokenizer.ts';
import { OpenAIChatClient } from '../../../src/rollout/chat-client.ts';
import { startOpenAIServer, toTemplateMessages } from '../../../src/rollout/openai-server.ts';
import { LlmUser } from '../../../src/rollout/users/llm.ts';
import { LocalChatCompleter } from '../../../src/rollout/local-chat.ts';
import { LlmJudge } from '../../../src/judge/llm.ts';
import { createJudge } from '../../../src/judge/factory.ts';
import { buildTrajectory, CANCEL } from '../judge/build.ts';
import { tinyPolicy } from './tiny-policy.ts';

let backend: InferenceBackend;
let tokenizer: ModelTokenizer;
let url: string;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ backend, tokenizer } = await tinyPolicy(8192));
  ({ url, close } = await startOpenAIServer({ backend, tokenizer, modelName: 'tiny', port: 0 }));
}, 60_000);
afterAll(() => close?.());

const post = (body: unknown) => fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('tarl serve (OpenAI-compatible endpoint)', () => {
  it('answers a chat with tools and a tool-call history in the OpenAI shape', async () => {
    const messages = [
      { role: 'system', content: 'You are a retail agent.' },
      { role: 'user', content: 'Cancel #W1' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_order_details', arguments: '{"order_id": "#W1"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: '{"status": "pending"}' },
    ];
    const tools = [{ type: 'function', function: { name: 'get_order_details', description: 'd', parameters: { type: 'object', properties: { order_id: { type: 'string' } } } } }];
    const res = await post({ model: 'tiny', messages, tools, max_tokens: 3, temperature: 0 });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.role).toBe('assistant');
    expect(typeof body.choices[0].message.content).toBe('string');
    expect(['stop', 'length', 'tool_calls']).toContain(body.choices[0].finish_reason);
    const rendered = tokenizer.applyChatTemplate(toTemplateMessages(messages), { tools: tools as never, addGenerationPrompt: true });
    expect(rendered).toContain('<tool_response>\n{"status": "pending"}\n</tool_response>');
    expect(rendered).toContain('{"name": "get_order_details", "arguments": {"order_id": "#W1"}}');
    expect(body.usage.prompt_tokens).toBe(tokenizer.encode(rendered).length);
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(3);
    const again = await (await post({ model: 'tiny', messages, tools, max_tokens: 3, temperature: 0 })).json();
    expect(again.choices[0].message.content).toBe(body.choices[0].message.content);
  });

  it('answers bad requests with 400 and a message naming the problem', async () => {
    expect((await post({ messages: [] })).status).toBe(400);
    const r = await post({ messages: [{ role: 'wizard', content: 'x' }] });
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toMatch(/messages\[0\]\.role "wizard"/);
    const bad = await fetch(`${url}/chat/completions`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    expect((await post({ messages: [{ role: 'user', content: 'x' }], temperature: 9 })).status).toBe(400);
    expect((await (await fetch(`${url}/models`)).json()).data[0].id).toBe('tiny');
  });

  it('answers a JSON body that is not an object with 400 and keeps serving', async () => {
    for (const body of ['null', '[1]', '5']) {
      const r = await fetch(`${url}/chat/completions`, { method: 'POST', body });
      expect(r.status).toBe(400);
      expect((await r.json()).error.message).toMatch(/JSON object|"messages"/);
    }
    expect((await post({ messages: [{ role: 'user', content: 'x' }], max_tokens: 1 })).status).toBe(200);
  });

  it('answers a body over maxBodyBytes with 413', async () => {
    const small = await startOpenAIServer({ backend, tokenizer, modelName: 'tiny', port: 0, maxBodyBytes: 64 });
    try {
      const r = await fetch(`${small.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(200) }] }) });
      expect(r.status).toBe(413);
      expect((await r.json()).error.message).toMatch(/over 64 bytes/);
    } finally {
      await small.close();
    }
  });

  it('serves the LLM user and the LLM judge through the OpenAI client', async () => {
    const client = new OpenAIChatClient({ baseUrl: url, model: 'tiny', maxRetries: 0 });
    const user = new LlmUser({ completer: client, maxTokens: 3 });
    const ctx = { task: { split: 'dev', index: 0, userId: 'u', instruction: 'Cancel #W1.', actions: [], outputs: [] }, systemPrompt: '', tools: [], db: { users: {}, orders: {}, products: {} }, seed: 1 };
    expect(typeof (await user.start(ctx))).toBe('string');
    expect(user.usage.promptTokens).toBeGreaterThan(50);
    // A random model cannot produce valid judge JSON: the judge must flag, not throw.
    const judge = new LlmJudge({ completer: client, maxAttempts: 1, maxTokens: 3 });
    const r = await judge.judge(buildTrajectory([CANCEL], [{ say: 'Hello' }]));
    expect(r.flagged).toBe(true);
    expect(r.turns).toEqual([{ agentTurn: 0, score: 0, rationale: 'judge failed; neutral score' }]);
  });

  it('runs the LLM user on the local model in-process with the same τ-bench prompt', async () => {
    const u = new LlmUser({ completer: new LocalChatCompleter(backend, tokenizer, 'tiny'), maxTokens: 3 });
    expect(u.kind).toBe('local');
    const ctx = { task: { split: 'dev', index: 0, userId: 'u', instruction: 'Cancel #W1.', actions: [], outputs: [] }, systemPrompt: '', tools: [], db: { users: {}, orders: {}, products: {} }, seed: 1 };
    expect(typeof (await u.start(ctx))).toBe('string');
    expect(typeof (await u.reply('Which order?'))).toBe('string');
    expect(u.usage.completionTokens).toBeLessThanOrEqual(6);
  });

  it('runs the local-model judge in-process with the same prompt (flagged neutral on an unusable reply)', async () => {
    const judge = createJudge({ kind: 'local', backend, tokenizer, model: 'tiny', maxAttempts: 2, maxTokens: 3 });
    const r = await judge.judge(buildTrajectory([CANCEL], [{ say: 'Hello' }, { say: 'Bye' }]));
    expect(judge.name).toBe('local:tiny');
    expect(r.flagged).toBe(true);
    expect(r.error).toMatch(/judge failed: reply is not JSON/);
    expect(r.usage!.attempts).toBe(2);
    expect(r.usage!.promptTokens).toBeGreaterThan(100);
    expect(r.turns.map((t) => t.score)).toEqual([0, 0]);
  });
});
