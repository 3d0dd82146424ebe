// The `logits` and `generate` CLI contracts (one JSON line on stdout, nothing else), on a tiny model.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../../src/model/cpu/backend.ts';
import { loadModelFromDir, writeModelFiles } from '../../../src/model/load-node.ts';
import { buildTinyModel } from '../../../src/model/tiny.ts';
import { runCli } from '../../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'tarl-cli-'));
const dir = join(root, 'qwen3-tiny');
beforeAll(() => writeModelFiles(dir, buildTinyModel({ architecture: 'qwen3', dtype: 'F16' })));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function jsonLine(stdout: string): unknown {
  const lines = stdout.split('\n');
  expect(lines).toHaveLength(2); // one line + the final newline
  expect(lines[1]).toBe('');
  return JSON.parse(lines[0]!);
}

describe('CLI model commands', () => {
  it('logits prints one row of V floats per input token, equal to the CPU backend', async () => {
    const r = runCli(['logits', '--model', dir, '--tokens', '5,17,3', '--device', 'cpu']);
    expect(r.status, r.stderr).toBe(0);
    const out = jsonLine(r.stdout) as { logits: number[][] };
    expect(Object.keys(out)).toEqual(['logits']);
    expect(out.logits).toHaveLength(3);
    expect(out.logits.every((row) => row.length === 300 && row.every(Number.isFinite))).toBe(true);
    const expected = await new CpuBackend(await loadModelFromDir(dir)).logits([5, 17, 3]);
    expect(out.logits).toEqual(expected.map((row) => Array.from(row)));
  });

  it('generate prints only the new token ids from the KV-cache path', async () => {
    const r = runCli(['generate', '--model', dir, '--tokens', '5,17,3', '--max-new-tokens', '12', '--greedy']);
    expect(r.status, r.stderr).toBe(0);
    const out = jsonLine(r.stdout) as { tokens: number[] };
    expect(Object.keys(out)).toEqual(['tokens']);
    const [expected] = await new CpuBackend(await loadModelFromDir(dir)).generate([[5, 17, 3]], { maxNewTokens: 12, greedy: true });
    expect(out.tokens).toEqual(expected!.tokens);
    expect(out.tokens.length).toBeGreaterThan(0);
    expect(out.tokens.length).toBeLessThanOrEqual(12);
  });

  it('bad input fails with a clear message on stderr and nothing on stdout', () => {
    const badTokens = runCli(['logits', '--model', dir, '--tokens', '5,x']);
    expect(badTokens.status).not.toBe(0);
    expect(badTokens.stdout).toBe('');
    expect(badTokens.stderr).toMatch(/--tokens: entry 2 \("x"\) is not a non-negative integer/);
    const outOfVocab = runCli(['generate', '--model', dir, '--tokens', '5,999', '--max-new-tokens', '2', '--greedy']);
    expect(outOfVocab.stderr).toMatch(/token 1 \(999\) is outside the vocabulary \[0, 300\)/);
    expect(outOfVocab.stdout).toBe('');
    const noModel = runCli(['logits', '--model', join(root, 'missing'), '--tokens', '1']);
    expect(noModel.stderr).toMatch(/model directory ".*missing" does not exist/);
    const noAdapter = runCli(['logits', '--model', dir, '--tokens', '1', '--adapter', join(root, 'no-adapter')]);
    expect(noAdapter.status).not.toBe(0);
    expect(noAdapter.stdout).toBe('');
    expect(noAdapter.stderr).toMatch(/adapter/);
  });
});
