import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

describe('tarl gpu-info', () => {
  it('prints the adapter as one JSON object on stdout', () => {
    const r = runCli(['gpu-info']);
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.backend).toBe('dawn');
    expect(info.vendor).toMatch(/\S/);
    expect(info.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(typeof info.features['shader-f16']).toBe('boolean');
  });

  it('has --help for the command and names unknown commands', () => {
    expect(runCli(['gpu-info', '--help']).stdout).toMatch(/adapter/);
    const bad = runCli(['no-such-command']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown command 'no-such-command'/);
  });
});
