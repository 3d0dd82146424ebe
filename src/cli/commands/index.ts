// One line per command file. Each module exports `register(program)`.
import type { Command } from 'commander';
import { register as gpuInfo } from './gpu-info.ts';
import { register as replay } from './replay.ts';

export function registerCommands(program: Command): void {
  gpuInfo(program);
  replay(program);
}
