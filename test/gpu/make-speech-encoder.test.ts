// `tarl make-speech-encoder --config tiny` end to end on the WGSL engine (Dawn/SwiftShader): renders,
// trains, exports encoder.onnx, runs the listening test through it, and writes the folder's files.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

describe('tarl make-speech-encoder', () => {
  it('makes the tiny listener on WebGPU with every artifact and one JSON line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'listener-'));
    const out = join(dir, 'tarl-listener');
    const r = runCli(['make-speech-encoder', '--config', 'tiny', '--device', 'webgpu', '--out', out, '--cache', join(dir, 'cache')], { timeoutMs: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout.trim()) as { device: string; steps: number; total: number; byKind: Record<string, number> };
    expect(line).toMatchObject({ device: 'webgpu', steps: 3, total: 4 });
    expect(Object.keys(line.byKind).sort()).toEqual(['email', 'order']);
    for (const f of ['encoder.onnx', 'listener.safetensors', 'config.json', 'listening.json', 'curve.json', 'README.md']) expect(existsSync(join(out, f)), f).toBe(true);
    const curve = JSON.parse(readFileSync(join(out, 'curve.json'), 'utf8')) as { curve: { loss: number }[] };
    expect(curve.curve).toHaveLength(3);
    expect(curve.curve.every((c) => Number.isFinite(c.loss))).toBe(true);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/Listening test \(held-out, through encoder\.onnx/);
    expect(r.stderr).toMatch(/rendering train: 4\/4/);
  }, 300_000);
});
