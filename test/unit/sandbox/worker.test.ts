// The sandbox worker module through comlink, as the studio uses it: the module's global endpoint is
// bridged to a MessageChannel (Node has no Worker global scope); episodes in parallel stay separate.
import * as Comlink from 'comlink';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxApi } from '../../../src/workers/sandbox.worker.ts';

const channel = new MessageChannel();
let api: Comlink.Remote<SandboxApi>;
const g = globalThis as unknown as Record<string, unknown>;
const saved = { addEventListener: g.addEventListener, removeEventListener: g.removeEventListener, postMessage: g.postMessage };

beforeAll(async () => {
  const port = channel.port1 as unknown as EventTarget & { postMessage: (m: unknown) => void; start: () => void };
  g.addEventListener = port.addEventListener.bind(port);
  g.removeEventListener = port.removeEventListener.bind(port);
  g.postMessage = (m: unknown) => port.postMessage(m);
  await import('../../../src/workers/sandbox.worker.ts');
  port.start();
  api = Comlink.wrap<SandboxApi>(channel.port2 as unknown as Comlink.Endpoint);
});

afterAll(() => {
  Object.assign(g, saved);
  channel.port1.close();
  channel.port2.close();
});

describe('sandbox worker', () => {
  it('serves tools and wiki, and runs independent episodes in parallel', async () => {
    const { tools, wiki } = await api.init();
    expect(tools.length).toBe(16);
    expect(wiki).toMatch(/^# Retail agent policy/);
    const task = { user_id: 'ava_nguyen_6646', outputs: [], actions: [{ name: 'cancel_pending_order', kwargs: { order_id: '#W8367380', reason: 'no longer needed' } }] };
    const [a, b] = await Promise.all([api.open(task), api.open(task)]);
    const [ra, rb] = await Promise.all([
      api.step(a, 'cancel_pending_order', { order_id: '#W8367380', reason: 'no longer needed' }),
      api.step(b, 'get_order_details', '{"order_id": "#W8367380"}'),
    ]);
    expect(JSON.parse(ra.output).status).toBe('cancelled');
    expect(JSON.parse(rb.output).status).toBe('pending');
    expect(await api.verify(a, { checkOutputs: false })).toMatchObject({ reward: 1 });
    expect(await api.verify(b, { checkOutputs: false })).toMatchObject({ reward: 0 });
    expect((await api.step(b, 'nope', {})).output).toBe('Unknown action nope');
    await api.close(a);
    await expect(api.step(a, 'think', { thought: '' })).rejects.toThrow(/no episode/);
    expect(await api.passHatK([{ trials: 2, successes: 1 }], 1)).toBe(0.5);
  });
});
