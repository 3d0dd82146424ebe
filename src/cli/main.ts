#!/usr/bin/env node
// The headless CLI: `npm run tarl -- <command> [options]`. Every command lives in its own file in
// ./commands and registers itself on the program; `--help` works for each.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.ts';

const program = new Command('tarl')
  .description('TARL Studio headless engine: the same modules the studio runs, from the terminal.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(`tarl: ${(e as Error).message ?? e}\n`);
    if (process.env.TARL_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 1;
  }
}
// Dawn keeps native handles alive; leave explicitly once the command has finished.
process.exit(process.exitCode ?? 0);
