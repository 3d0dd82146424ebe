// `tarl judge` and `tarl rewards` on a trajectory file: JSON lines only on stdout, the reference
// judge offline, the OpenAI judge against a real local server with a persistent cache (a second
// run makes no request), and the API key taken from the environment, never printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTrajectoryLines, serializeTrajectory } from '../../../src/rollout/trajectory.ts';
import { buildTrajectory, CANCEL } from './build.ts';
import { completion, startChatServer } from './chat-server.ts';

const root = mkdtempSync(join(tmpdir(), 'tarl-judge-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const LOOKUP = { call: 'find_user_id_by_name_zip', args: { first_name: 'Olivia', last_name: 'Ito', zip: '80218' }, output: 'olivia_ito_3591' };
const file = join(root, 'trajectories.jsonl');
const good = buildTrajectory([CANCEL], [LOOKUP, { call: CANCEL.name, args: CANCEL.kwargs, output: '{"status": "cancelled"}' }, { say: 'Done.' }]);
good.verifier = { reward: 1 };
const bad = buildTrajectory([CANCEL], [LOOKUP, { say: 'Anything else?' }]);
bad.verifier = { reward: 0 };
writeFileSync(file, [good, bad].map(serializeTrajectory).join('\n') + '\n');

describe('tarl judge / tarl rewards', () => {
  it('re-scores a file with the reference judge and prints trajectories only', async () => {
    const r = await cli(['judge', '--file', file]);
    expect(r.code, r.stderr).toBe(0);
    const out = parseTrajectoryLines(r.stdout);
    expect(out.map((t) => t.judge!.turns.map((j) => j.score))).toEqual([[1, 1, 0], [1, -1]]);
    expect(r.stderr).toMatch(/judged 2 trajectories with reference; flagged 0/);
    writeFileSync(join(root, 'judged.jsonl'), r.stdout);
  }, 60_000);

  it('prints per-turn and per-token rewards for the given coefficients', async () => {
    const r = await cli(['rewards', '--file', join(root, 'judged.jsonl'), '--set', 'advantage=drgrpo', 'deviation=2', '--tokens']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    // good: 10 + (1/3 + 1/3) ; bad: 0 + 1/2 − 2 ; same task → one group, mean 4.41666…
    expect(lines[0].reward).toBeCloseTo(10 + 2 / 3, 8);
    expect(lines[1].reward).toBeCloseTo(-1.5, 8);
    expect(lines[0].turns[0].advantage).toBeCloseTo(10 + 2 / 3 - (10 + 2 / 3 - 1.5) / 2, 8);
    expect(lines[1].turns.map((t: { score: number }) => t.score)).toEqual([1, -1]);
    expect(lines[0].tokens).toBeNull(); // oracle-style trajectories carry no tokens
    const bad = await cli(['rewards', '--file', file, '--set', 'terminl=3']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown key "terminl"/);
  }, 60_000);

  it('judges through an OpenAI-compatible endpoint with a persistent cache; the key stays secret', async () => {
    const key = 'sk-cli-SECRET-987';
    const srv = await startChatServer((req) => {
      const n = (req.body.messages[1].content.match(/AGENT TURN \d+:/g) ?? []).length;
      return { body: completion(JSON.stringify({ turns: Array.from({ length: n }, (_, i) => ({ turn: i + 1, score: i === 0 ? 1 : 0, rationale: 'ok' })) })) };
    });
    try {
      const cache = join(root, 'cache.jsonl');
      const args = ['judge', '--file', file, '--judge', 'openai', '--judge-base-url', srv.baseUrl, '--judge-model', 'm', '--judge-api-key-env', 'MY_KEY', '--judge-cache', cache];
      const first = await cli(args, { MY_KEY: key });
      expect(first.code, first.stderr).toBe(0);
      expect(srv.seen.length).toBe(2);
      expect(srv.seen[0].headers.authorization).toBe(`Bearer ${key}`);
      expect(parseTrajectoryLines(first.stdout).map((t) => t.judge!.turns.map((j) => j.score))).toEqual([[1, 0, 0], [1, 0]]);
      const second = await cli(args, { MY_KEY: key });
      expect(srv.seen.length).toBe(2); // all from the cache
      expect(second.stderr).toMatch(/cache hits 2/);
      for (const text of [first.stdout, first.stderr, second.stdout, readFileSync(cache, 'utf8')]) expect(text).not.toContain(key);
    } finally {
      await srv.close();
    }
  }, 60_000);
});
