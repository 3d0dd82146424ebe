import type { Command } from 'commander';
import { acquireGpu } from '../../gpu/device.ts';
import { acquireOptionsFrom, dawnOption, fallbackOption } from '../options.ts';

export function register(program: Command): void {
  program
    .command('gpu-info')
    .description('print the WebGPU adapter (vendor, architecture, limits, features) as JSON')
    .addOption(dawnOption())
    .addOption(fallbackOption())
    .action(async (opts: { dawn: string[]; fallback?: boolean }) => {
      const ctx = await acquireGpu(acquireOptionsFrom(opts));
      process.stdout.write(JSON.stringify(ctx.report) + '\n');
      ctx.destroy();
    });
}
