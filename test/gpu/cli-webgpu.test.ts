// The CLI contracts with --device webgpu (the GPU engine) against --device cpu on tiny models.
import { describe, it, beforeAll, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { buildTinyModel } from '../../src/model/tiny.ts';
import { writeModelFiles } from '../../src/model/load-node.ts';
import { compare } from '../../src/reference/compare.ts';

const dir = mkdtempSync(join(tmpdir(), 'tarl-cli-webgpu-'));
const qwen3 = join(dir, 'qwen3');
const qwen2f16 = join(dir, 'qwen2-f16');
beforeAll(async () => {
  await writeModelFiles(qwen3, buildTinyModel({ architecture: 'qwen3', seed: 4 }));
  await writeModelFiles(qwen2f16, buildTinyModel({ architecture: 'qwen2', dtype: 'F16', seed: 6 }));
});

function json(args: string[]): Record<string, unknown> {
  const r = runCli(args);
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines.length, 'one JSON line on stdout').toBe(1);
  return JSON.parse(lines[0]!);
}

describe('tarl logits / generate --device webgpu', () => {
  for (const [name, model, tol] of [['qwen3 f32', qwen3, 1e-4], ['qwen2 f16', qwen2f16, 1e-2]] as const) {
    it(`${name}: logits match --device cpu`, () => {
      const args = ['logits', '--model', model, '--tokens', '5,17,3,250'];
      const gpu = json([...args, '--device', 'webgpu']).logits as number[][];
      const cpu = json([...args, '--device', 'cpu']).logits as number[][];
      expect(gpu.length).toBe(4);
      const c = compare(gpu.flat(), cpu.flat(), tol);
      expect(c.ok, `rel ${c.relError}`).toBe(true);
    });
  }

  it('greedy generate matches --device cpu', () => {
    const args = ['generate', '--model', qwen3, '--tokens', '5,17,3', '--max-new-tokens', '12', '--greedy'];
    const gpu = json([...args, '--device', 'webgpu']);
    expect(gpu).toEqual(json([...args, '--device', 'cpu']));
    expect((gpu.tokens as number[]).length).toBeGreaterThan(0);
  });
});
